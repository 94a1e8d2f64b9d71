#include "inference/inference_run.hpp"

#include <algorithm>

#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/preprocess.hpp"

namespace vitlens::gui {

namespace {

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

double all_rows_bytes(const Model& model, const TokenLayout& layout) {
  const double tokens = layout.tokens();
  return 4.0 * model.config.num_layers * model.config.num_heads * tokens * tokens;
}

// One layer's rows (host and read-back copies) and the rollout's running products in double.
double streamed_rollout_bytes(const Model& model, const TokenLayout& layout) {
  const double tokens = layout.tokens();
  return 8.0 * model.config.num_heads * tokens * tokens + 2 * 28.0 * tokens * tokens;
}

std::vector<int> kept_rows(const TokenLayout& layout, const std::vector<QueryToken>& queries) {
  std::vector<int> rows;
  for (int t = 0; t < layout.prefix; ++t) rows.push_back(t);
  for (int t = layout.first_suffix(); t < layout.tokens(); ++t) rows.push_back(t);
  for (const QueryToken& q : queries) {
    if (q.kind == QueryToken::Kind::Probe) continue;  // the pooling head's, always returned
    const int t = q.resolve(layout);
    if (std::find(rows.begin(), rows.end(), t) == rows.end()) rows.push_back(t);
  }
  return rows;
}

MapSelection rollout_selection(const AttentionSettings& s, bool fused) {
  MapSelection selection;
  selection.queries = {s.query};
  if (s.head >= 0 && !fused) {
    selection.heads = {s.head};
    selection.fusion = HeadFusion::Mean;  // of one head: the head itself
  } else {
    selection.fusion = s.fusion;
  }
  return selection;
}

// The forward pass streams every row to the rollout (and the fusion's, for the grid) while
// keeping only the rows of `rows`.
void run_streamed_rollout(InferenceResult& r, Session& session, const Tensor& pixels, const AttentionSettings& s,
                          const std::vector<int>& rows) {
  const VitConfig& c = r.model->config;
  RolloutAccumulator selected(r.layout, rollout_selection(s, false), s.discard, c.num_layers, c.num_heads);
  std::optional<RolloutAccumulator> fused;
  if (s.head >= 0) fused.emplace(r.layout, rollout_selection(s, true), s.discard, c.num_layers, c.num_heads);
  AttentionRequest request = selected.request(rows);
  if (fused)
    request.per_layer = [&, first = request.per_layer](int layer, const Tensor& attention) {
      first(layer, attention);
      fused->add_layer(layer, attention);
    };
  r.output = session.run(pixels, request);
  r.output.attention = selected.kept_rows();
  r.output.attention_queries = rows;
  r.rollout = InferenceResult::StreamedRollout{s, selected.maps(), fused ? fused->maps() : selected.maps()};
}

// The backward pass runs on the CPU reference whatever the session's device: it is the only
// backward pass (the cpu backend's explain() hands over to it too).
void explain(InferenceResult& r, const Tensor& pixels, const AttentionSettings& s) {
  InferenceResult::Explained explained{s, {}, nullptr, {}};
  try {
    explained.target = explanation_target(*r.model, r.output, s.query, s.target_class >= 0 ? std::to_string(s.target_class) : "");
    explained.explanation = std::make_shared<const Explanation>(make_reference_backend(r.model)->explain(pixels, explained.target));
  } catch (const std::exception& e) {
    explained.error = QString::fromStdString(e.what());
  }
  r.explained = std::move(explained);
}

}  // namespace

std::optional<AttentionSettings> rollout_of(const AttentionSettings& settings) {
  if (settings.method != AttentionMethod::Rollout) return std::nullopt;
  return settings;
}

std::optional<AttentionSettings> explanation_of(const AttentionSettings& settings) {
  if (!needs_gradients(settings.method)) return std::nullopt;
  return settings;
}

bool same_explanation(const AttentionSettings& a, const AttentionSettings& b) {
  return a.query.name() == b.query.name() && a.target_class == b.target_class;
}

bool same_rollout(const AttentionSettings& a, const AttentionSettings& b) {
  return a.query.name() == b.query.name() && a.head == b.head && a.discard == b.discard && (a.head >= 0 || a.fusion == b.fusion);
}

std::shared_ptr<const InferenceResult> run_inference(const std::shared_ptr<const Model>& model, Session& session,
                                                     const QString& path, const cv::Mat& rgb, const RunRequest& request) {
  auto result = std::make_shared<InferenceResult>();
  result->image_path = path;
  result->model = model;
  result->rgb = rgb;
  const InputPlan plan = input_plan(*model, rgb.size(), request.input);
  result->preprocess = plan.preprocess;
  const Tensor pixels = preprocess(rgb, plan.preprocess);
  result->input_size = plan.input;
  result->layout = token_layout(model->config, result->input_size.height, result->input_size.width);
  result->all_rows = all_rows_bytes(*model, result->layout) <= request.budget_bytes;
  std::vector<QueryToken> queries = request.queries;
  if (request.rollout) queries.push_back(request.rollout->query);
  const std::vector<int> rows = result->all_rows ? std::vector<int>{} : kept_rows(result->layout, queries);
  const double rollout_bytes = streamed_rollout_bytes(*model, result->layout);
  if (result->all_rows) {
    result->output = session.run(pixels, AttentionRequest::all());
  } else if (request.rollout && rollout_bytes <= request.budget_bytes) {
    run_streamed_rollout(*result, session, pixels, *request.rollout, rows);
  } else {
    if (request.rollout)
      result->rollout_unavailable = QString("rollout of this input needs %1 MiB, over the attention memory budget (%2 MiB)")
                                        .arg(mib(rollout_bytes), 0, 'f', 0)
                                        .arg(mib(request.budget_bytes), 0, 'f', 0);
    result->output = session.run(pixels, attention_request(rows));
  }
  if (request.explain) explain(*result, pixels, *request.explain);
  if (model->has_classifier())
    result->predictions = top_k(result->output.logits, model->labels, std::min(5, model->config.num_classes));
  return result;
}

}  // namespace vitlens::gui
