#include "inference/attention_analysis.hpp"

#include <algorithm>

#include "inference/inference_run.hpp"
#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/features.hpp"
#include "vitlens/analysis/mask.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::gui {
namespace {

// A [grid_h, grid_w] map as the [1, 1, 1, grid_h, grid_w] values of one-map AttentionMaps.
Tensor reshaped_grid(Tensor map, const AttentionMaps& maps) {
  return Tensor({1, 1, 1, maps.grid_h, maps.grid_w}, std::move(map.data));
}

}  // namespace

AttentionAnalysis::AttentionAnalysis(std::shared_ptr<const InferenceResult> result) : result_(std::move(result)) {}

QString AttentionAnalysis::unavailable(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  if (s.method == AttentionMethod::Pca) return r.output.hidden_state.empty() ? QString("this run returned no features") : QString();
  if (s.method == AttentionMethod::Similarity)
    return s.query.kind == QueryToken::Kind::Patch ? QString() : QString("click a patch to see how similar the others' features are to it");
  if (needs_gradients(s.method)) {
    if (!r.explained || !same_explanation(r.explained->settings, s)) return "the explanation of this class was not computed yet";
    return r.explained->error;
  }
  if (s.query.kind == QueryToken::Kind::Probe) {
    if (r.output.probe_attention.empty()) return "the model has no pooling probe (only SigLIP pools with one)";
    if (s.method == AttentionMethod::Rollout) return "rollout follows tokens through the layers; the probe is no token of the sequence";
    return {};
  }
  if (r.output.attention.empty()) return "this run returned no attention";
  int token = 0;
  try {
    token = s.query.resolve(r.layout);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  if (r.all_rows) return {};
  if (s.method == AttentionMethod::Rollout && !(r.rollout && same_rollout(r.rollout->settings, s)))
    return r.rollout_unavailable.isEmpty() ? QString("rollout for these settings was not computed for this large input")
                                           : r.rollout_unavailable;
  const auto& rows = r.output.attention_queries;
  if (std::find(rows.begin(), rows.end(), token) == rows.end())
    return QString("token %1's attention was not kept for this large input").arg(token);
  return {};
}

bool AttentionAnalysis::needsRun(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  if (needs_gradients(s.method)) return !r.explained || !same_explanation(r.explained->settings, s);
  if (s.method == AttentionMethod::Similarity || s.method == AttentionMethod::Pca) return false;
  if (r.all_rows || r.output.attention.empty() || !r.rollout_unavailable.isEmpty() || s.query.kind == QueryToken::Kind::Probe) return false;
  try {
    const int token = s.query.resolve(r.layout);
    const auto& rows = r.output.attention_queries;
    if (s.method == AttentionMethod::Rollout) return !(r.rollout && same_rollout(r.rollout->settings, s));
    return std::find(rows.begin(), rows.end(), token) == rows.end();
  } catch (const Error&) {
    return false;
  }
}

AttentionMaps AttentionAnalysis::rollout(const AttentionSettings& s, bool fused) const {
  const InferenceResult& r = *result_;
  if (!r.all_rows) {
    if (!r.rollout || !same_rollout(r.rollout->settings, s)) throw Error("rollout was not computed for these settings");
    return fused ? r.rollout->fused : r.rollout->selected;
  }
  AttentionSettings one = s;
  if (fused) one.head = -1;
  return attention_rollout(r.output, r.layout, selection(one, true, false), s.discard);
}

MapSelection AttentionAnalysis::selection(const AttentionSettings& s, bool all_layers, bool per_head) const {
  MapSelection selection;
  if (!all_layers) selection.layers = {s.layer};
  selection.queries = {s.query};
  if (per_head) return selection;
  if (s.head >= 0) {
    selection.heads = {s.head};
    selection.fusion = HeadFusion::Mean;  // of one head: the head itself
  } else {
    selection.fusion = s.fusion;
  }
  return selection;
}

AttentionMaps AttentionAnalysis::raw(const MapSelection& selection) const {
  const InferenceResult& r = *result_;
  if (selection.queries.size() == 1 && selection.queries.front().kind == QueryToken::Kind::Probe) {
    MapSelection heads_only = selection;
    heads_only.layers.clear();
    return probe_attention_maps(r.output, r.layout, heads_only, r.model->config.num_layers);
  }
  return raw_attention_maps(r.output, r.layout, selection);
}

AttentionMaps AttentionAnalysis::explained(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  if (!unavailable(s).isEmpty()) throw Error(unavailable(s).toStdString());
  const Explanation& e = *r.explained->explanation;
  return s.method == AttentionMethod::Relevance ? relevance_maps(e, r.layout, s.query) : gradcam_maps(e, r.layout, s.query);
}

AttentionMaps AttentionAnalysis::similarity(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  if (!unavailable(s).isEmpty()) throw Error(unavailable(s).toStdString());
  AttentionMaps maps;
  maps.method = "similarity";
  maps.layers = {r.model->config.num_layers - 1};
  maps.heads = {"similarity"};
  maps.queries = {s.query};
  maps.query_tokens = {s.query.resolve(r.layout)};
  maps.grid_h = r.layout.grid_h;
  maps.grid_w = r.layout.grid_w;
  maps.values = reshaped_grid(patch_similarity(patch_features(r.output.hidden_state, r.layout), r.layout, s.query.index, s.query.column), maps);
  return maps;
}

Tensor AttentionAnalysis::pca(const AttentionSettings& s, cv::Mat* keep) const {
  const InferenceResult& r = *result_;
  if (!unavailable(s).isEmpty()) throw Error(unavailable(s).toStdString());
  const cv::Mat features = patch_features(r.output.hidden_state, r.layout);
  cv::Mat kept;
  if (s.foreground > 0) kept = pca_foreground(pca_projections(features, r.layout), static_cast<float>(s.foreground));
  if (keep) *keep = kept;
  return pca_projections(features, r.layout, kept);
}

AttentionMaps AttentionAnalysis::pca_components(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  const Tensor projections = pca(s);
  AttentionMaps maps;
  maps.method = "pca";
  maps.layers = {r.model->config.num_layers - 1};
  maps.heads = {"component 1", "component 2", "component 3"};
  // The PCA is of every patch, not of a query: the stack carries the panel's query only to
  // have every stack's shape.
  maps.queries = {s.query};
  int token = -1;
  try {
    token = s.query.resolve(r.layout);
  } catch (const Error&) {
  }
  maps.query_tokens = {token};
  maps.grid_h = r.layout.grid_h;
  maps.grid_w = r.layout.grid_w;
  maps.values = Tensor({1, 3, 1, maps.grid_h, maps.grid_w});
  const size_t patches = static_cast<size_t>(maps.grid_h) * static_cast<size_t>(maps.grid_w);
  for (size_t c = 0; c < 3; ++c)
    for (size_t p = 0; p < patches; ++p) maps.values.data[c * patches + p] = projections.data[p * 3 + c];
  return maps;
}

QString AttentionAnalysis::explained_class(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  if (!needs_gradients(s.method) || !unavailable(s).isEmpty()) return {};
  const int index = r.explained->target.class_index;
  const auto& labels = r.model->labels;
  return QString("class %1, %2").arg(index).arg(static_cast<size_t>(index) < labels.size() ? QString::fromStdString(labels[static_cast<size_t>(index)]) : QString());
}

std::optional<AttentionShare> AttentionAnalysis::share(const AttentionSettings& s) const {
  if (s.method == AttentionMethod::Rollout || s.method == AttentionMethod::Similarity || s.method == AttentionMethod::Pca ||
      needs_gradients(s.method) || !unavailable(s).isEmpty()) return std::nullopt;
  return attention_share(raw(selection(s, false, false)), 0, 0, 0);
}

cv::Mat AttentionAnalysis::map(const AttentionSettings& s) const {
  const InferenceResult& r = *result_;
  const MapSelection one = selection(s, false, false);
  switch (s.method) {
    case AttentionMethod::Raw: return raw(one).map(0, 0, 0).clone();
    case AttentionMethod::Mask: return mass_mask(raw(one).map(0, 0, 0), s.mass);
    case AttentionMethod::Rollout: {
      if (r.all_rows) return attention_rollout(r.output, r.layout, one, s.discard).map(0, 0, 0).clone();
      const AttentionMaps all = rollout(s, false);
      const auto at = std::find(all.layers.begin(), all.layers.end(), s.layer);
      if (at == all.layers.end()) throw Error("rollout through layer " + std::to_string(s.layer) + " was not computed");
      return all.map(static_cast<int>(at - all.layers.begin()), 0, 0).clone();
    }
    case AttentionMethod::Relevance:
    case AttentionMethod::Gradcam: return explained(s).map(0, 0, 0).clone();
    case AttentionMethod::Similarity: return similarity(s).map(0, 0, 0).clone();
    case AttentionMethod::Pca: return pca_components(s).map(0, 0, 0).clone();
  }
  return {};
}

cv::Mat AttentionAnalysis::unit(const cv::Mat& grid, cv::Size output) const {
  const cv::Mat values = normalise(grid, value_range(grid));
  return upsample_to_image(values, result_->rgb.size(), result_->preprocess, Upsampling::Nearest, output);
}

std::pair<cv::Mat, cv::Mat> AttentionAnalysis::colours(const cv::Mat& map, const AttentionSettings& s, cv::Size output) const {
  const InferenceResult& r = *result_;
  if (s.method != AttentionMethod::Pca) {
    const cv::Mat values = unit(map, output);
    return {colorize(values, s.colormap), values};
  }
  cv::Mat keep;
  const Tensor projections = pca(s, &keep);
  // Where the colours cover the image: the kept patches, never the margins a crop cut off.
  cv::Mat covered = keep.empty() ? cv::Mat(r.layout.grid_h, r.layout.grid_w, CV_32F, cv::Scalar(1)) : cv::Mat();
  if (!keep.empty()) keep.convertTo(covered, CV_32F);
  return {pca_picture(projections, keep, r.rgb.size(), r.preprocess, output),
          upsample_to_image(covered, r.rgb.size(), r.preprocess, Upsampling::Nearest, output)};
}

cv::Mat AttentionAnalysis::heatmap(const AttentionSettings& s, cv::Size output) const {
  return colours(s.method == AttentionMethod::Pca ? cv::Mat() : map(s), s, output).first;
}

cv::Mat AttentionAnalysis::layer(const cv::Mat& map, const AttentionSettings& s, cv::Size output) const {
  const auto [picture, values] = colours(map, s, output);
  return with_alpha(picture, values, s.method == AttentionMethod::Pca ? Blend::Ramp : s.blend);
}

cv::Mat AttentionAnalysis::overlay(const AttentionSettings& s) const {
  const auto [picture, values] = colours(s.method == AttentionMethod::Pca ? cv::Mat() : map(s), s, result_->rgb.size());
  return vitlens::overlay(result_->rgb, picture, values, s.opacity, s.method == AttentionMethod::Pca ? Blend::Ramp : s.blend);
}

AttentionMaps AttentionAnalysis::stack(const AttentionSettings& s) const {
  switch (s.method) {
    case AttentionMethod::Raw: return raw(selection(s, true, true));
    case AttentionMethod::Mask: return mass_masks(raw(selection(s, true, true)), s.mass);
    case AttentionMethod::Rollout: return rollout(s, false);
    case AttentionMethod::Relevance:
    case AttentionMethod::Gradcam: return explained(s);
    case AttentionMethod::Similarity: return similarity(s);
    case AttentionMethod::Pca: return pca_components(s);
  }
  return {};
}

AttentionGrid AttentionAnalysis::grid(const AttentionSettings& s, int cell_size) const {
  const InferenceResult& r = *result_;
  GridStyle style;
  style.colormap = s.colormap;
  style.opacity = s.opacity;
  style.blend = s.blend;
  style.cell_size = cell_size;
  if (needs_gradients(s.method)) return attention_grid({explained(s)}, 0, r.rgb, r.preprocess, style);
  if (s.method == AttentionMethod::Similarity) return attention_grid({similarity(s)}, 0, r.rgb, r.preprocess, style);
  if (s.method == AttentionMethod::Pca) return attention_grid({pca_components(s)}, 0, r.rgb, r.preprocess, style);
  const AttentionMaps heads = raw(selection(s, true, true));
  const AttentionMaps fused = fuse_heads(heads, s.fusion);
  std::vector<AttentionMaps> groups;
  switch (s.method) {
    case AttentionMethod::Raw: groups = {heads, fused}; break;
    case AttentionMethod::Mask: groups = {mass_masks(heads, s.mass), mass_masks(fused, s.mass)}; break;
    case AttentionMethod::Rollout: groups = {heads, fused, rollout(s, true)}; break;
    case AttentionMethod::Relevance:
    case AttentionMethod::Gradcam:
    case AttentionMethod::Similarity:
    case AttentionMethod::Pca: break;
  }
  return attention_grid(groups, 0, r.rgb, r.preprocess, style);
}

SidecarContext AttentionAnalysis::sidecar_context(const AttentionSettings& s, const std::string& npy_name) const {
  const InferenceResult& r = *result_;
  SidecarContext context{r.model->path, r.image_path.toStdString(), npy_name, r.rgb.size(), r.input_size, r.layout, {}, {}, {}, {}};
  if (s.method == AttentionMethod::Rollout) context.discard = s.discard;
  if (s.method == AttentionMethod::Mask) context.mass = s.mass;
  return context;
}

}  // namespace vitlens::gui
