#include "compare/compare_map.hpp"

#include "inference/attention_analysis.hpp"
#include "vitlens/analysis/grid.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::gui {

namespace {

// A known run that can show the settings without running again, else null.
std::shared_ptr<const InferenceResult> showing(const std::vector<std::shared_ptr<const InferenceResult>>& known,
                                               const AttentionSettings& s) {
  for (const auto& result : known)
    if (result && !AttentionAnalysis(result).needsRun(s)) return result;
  return nullptr;
}

}  // namespace

CompareMap compute_compare_map(const std::vector<std::shared_ptr<const InferenceResult>>& known, const AttentionSettings& s,
                               Session& session, const RunRequest& request) {
  CompareMap out;
  out.settings = s;
  out.caption = describe(s);
  try {
    out.result = showing(known, s);
    if (!out.result) {
      const InferenceResult& base = *known.front();
      RunRequest again = request;
      if (s.query.kind == QueryToken::Kind::Patch) again.queries.push_back(s.query);
      again.rollout = rollout_of(s);
      again.explain = explanation_of(s);
      out.result = run_inference(base.model, session, base.image_path, base.rgb, again);
    }
    const AttentionAnalysis analysis(out.result);
    if (const QString why = analysis.unavailable(s); !why.isEmpty()) {
      out.error = why;
      return out;
    }
    out.map = analysis.map(s);
    out.share = analysis.share(s);
    out.overlay = s.visible ? analysis.overlay(s) : out.result->rgb.clone();
    if (const QString explained = analysis.explained_class(s); !explained.isEmpty()) out.caption += ", explains " + explained;
  } catch (const std::exception& e) {
    out.error = QString::fromStdString(e.what());
  }
  return out;
}

cv::Mat compare_pair_image(const CompareMap& left, const CompareMap& right) {
  for (const CompareMap* side : {&left, &right})
    if (side->overlay.empty())
      throw Error("the " + std::string(side == &left ? "left" : "right") + " map is not there: " +
                  (side->error.isEmpty() ? std::string("it is still being computed") : side->error.toStdString()));
  return captioned_row({left.overlay, right.overlay}, {left.caption.toStdString(), right.caption.toStdString()}).image;
}

}  // namespace vitlens::gui
