#include "vitlens/analysis/relevance.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

void check(const Explanation& e, const TokenLayout& layout) {
  const int64_t tokens = layout.tokens();
  if (e.attention.rank() != 4 || e.attention.dim(2) != tokens || e.attention.shape != e.attention_grad.shape)
    throw Error("the explanation's attention " + shape_string(e.attention.shape) + " does not match the token layout " + describe(layout));
}

AttentionMaps one_map(const TokenLayout& layout, int layer, const std::string& method, const QueryToken& query, int token) {
  AttentionMaps maps;
  maps.method = method;
  maps.layers = {layer};
  maps.heads = {method};
  maps.queries = {query};
  maps.query_tokens = {token};
  maps.grid_h = layout.grid_h;
  maps.grid_w = layout.grid_w;
  maps.allocate();
  return maps;
}

}  // namespace

int class_index(const Model& model, const std::string& text) {
  const int count = model.config.num_classes;
  int index = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (error == std::errc() && end == text.data() + text.size()) {
    if (index < 0 || index >= count)
      throw Error("class " + text + " is out of range: the model has " + std::to_string(count) + " classes (0-" + std::to_string(count - 1) + ")");
    return index;
  }
  const auto found = std::find(model.labels.begin(), model.labels.end(), text);
  if (found == model.labels.end()) throw Error("class '" + text + "' is not one of the model's labels (give a label or an index)");
  return static_cast<int>(found - model.labels.begin());
}

LogitTarget explanation_target(const Model& model, const QueryToken& query, const std::string& class_text) {
  if (model.has_detector()) {
    if (query.kind != QueryToken::Kind::Det)
      throw Error("a detector explains one detection: ask for a detection token (--query det:J), not '" + query.name() + "'");
    if (query.index >= model.config.num_detection_tokens)
      throw Error("detection token " + std::to_string(query.index) + " is out of range: the model has " + std::to_string(model.config.num_detection_tokens));
    return {class_text.empty() ? LogitTarget::kTopClass : class_index(model, class_text), query.index};
  }
  if (!model.has_classifier()) throw Error(model.config.architecture + " has no classifier, so it has no class to explain");
  return {class_text.empty() ? LogitTarget::kTopClass : class_index(model, class_text), -1};
}

AttentionMaps relevance_maps(const Explanation& e, const TokenLayout& layout, const QueryToken& query) {
  check(e, layout);
  const int token = query.resolve(layout);
  const auto layers = static_cast<int>(e.attention.dim(0)), heads = static_cast<int>(e.attention.dim(1));
  const auto tokens = static_cast<size_t>(layout.tokens());
  // R = (I + Ā_L)···(I + Ā_1) with Ā_l the layer's mean over heads of (dA·A)⁺, and the map is
  // one row of R: that row, e_tᵀR, is computed from the left, v <- v + v·Ā_l from the last
  // layer down, which costs T² per layer instead of the full product's T³.
  std::vector<double> row(tokens, 0.0), mixed(tokens * tokens), next(tokens);
  row[static_cast<size_t>(token)] = 1.0;
  for (int l = layers - 1; l >= 0; --l) {
    std::fill(mixed.begin(), mixed.end(), 0.0);
    for (int h = 0; h < heads; ++h) {
      const size_t offset = (static_cast<size_t>(l) * heads + h) * tokens * tokens;
      for (size_t i = 0; i < mixed.size(); ++i) mixed[i] += std::max(0.0, double{e.attention_grad.data[offset + i]} * e.attention.data[offset + i]) / heads;
    }
    next = row;
    for (size_t k = 0; k < tokens; ++k) {
      if (row[k] == 0) continue;
      const double* from = mixed.data() + k * tokens;
      for (size_t c = 0; c < tokens; ++c) next[c] += row[k] * from[c];
    }
    row.swap(next);
  }
  AttentionMaps maps = one_map(layout, layers - 1, "relevance", query, token);
  const auto patches = row.begin() + layout.first_patch();
  std::transform(patches, patches + layout.patches(), maps.values.data.begin(), [](double v) { return static_cast<float>(v); });
  return maps;
}

AttentionMaps gradcam_maps(const Explanation& e, const TokenLayout& layout, const QueryToken& query) {
  const Tensor& act = e.last_norm1;
  const Tensor& grad = e.last_norm1_grad;
  if (act.rank() != 2 || act.dim(0) != layout.tokens() || act.shape != grad.shape)
    throw Error("the explanation holds no Grad-CAM activations for the token layout " + describe(layout));
  const auto channels = static_cast<size_t>(act.dim(1));
  std::vector<double> weight(channels, 0.0);
  for (int t = layout.first_patch(); t < layout.first_suffix(); ++t)
    for (size_t c = 0; c < channels; ++c) weight[c] += grad.data[static_cast<size_t>(t) * channels + c];
  for (double& w : weight) w /= layout.patches();
  AttentionMaps maps = one_map(layout, static_cast<int>(e.attention.rank() == 4 ? e.attention.dim(0) - 1 : 0), "gradcam", query,
                               query.kind == QueryToken::Kind::Probe ? -1 : query.resolve(layout));
  for (int p = 0; p < layout.patches(); ++p) {
    double cam = 0;
    const float* a = act.ptr() + static_cast<size_t>(layout.first_patch() + p) * channels;
    for (size_t c = 0; c < channels; ++c) cam += weight[c] * a[c];
    maps.values.data[static_cast<size_t>(p)] = static_cast<float>(std::max(0.0, cam));
  }
  return maps;
}

}  // namespace vitlens
