#include "vitlens/analysis/rollout.hpp"

#include <algorithm>
#include <numeric>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

using Matrix = std::vector<float>;  // tokens x tokens, row-major

void check_full_attention(const Tensor& attention) {
  if (attention.rank() != 4 || attention.dim(2) != attention.dim(3))
    throw Error("attention rollout needs the full attention [layers, heads, tokens, tokens], got " +
                shape_string(attention.shape) + " (request AttentionRequest::all())");
}

Matrix fused_heads(const Tensor& attention, int layer, const std::vector<int>& heads, HeadFusion fusion) {
  const size_t n = static_cast<size_t>(attention.dim(2) * attention.dim(3));
  auto head = [&](int h) { return attention.ptr() + (static_cast<size_t>(layer) * attention.dim(1) + h) * n; };
  Matrix fused(head(heads[0]), head(heads[0]) + n);
  for (size_t i = 1; i < heads.size(); ++i) {
    const float* w = head(heads[i]);
    for (size_t k = 0; k < n; ++k)
      fused[k] = fusion == HeadFusion::Max ? std::max(fused[k], w[k])
                 : fusion == HeadFusion::Min ? std::min(fused[k], w[k])
                                             : fused[k] + w[k];
  }
  if (fusion == HeadFusion::Mean)
    for (float& v : fused) v /= static_cast<float>(heads.size());
  return fused;
}

// vit-explain: the int(n * discard) smallest entries of the flattened matrix are zeroed,
// except flat index 0 (CLS->CLS), which is skipped rather than replaced by another entry.
void discard_lowest(Matrix& w, double discard) {
  const size_t count = static_cast<size_t>(static_cast<double>(w.size()) * discard);
  if (count == 0) return;
  std::vector<size_t> order(w.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto lower = [&](size_t a, size_t b) { return w[a] < w[b] || (w[a] == w[b] && a < b); };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count - 1), order.end(), lower);
  for (size_t i = 0; i < count; ++i)
    if (order[i] != 0) w[order[i]] = 0;
}

// A = 0.5 W + 0.5 I, each row divided by its sum.
void add_identity_and_normalise_rows(Matrix& w, size_t tokens) {
  for (size_t r = 0; r < tokens; ++r) {
    float* row = w.data() + r * tokens;
    double sum = 0;
    for (size_t c = 0; c < tokens; ++c) {
      row[c] = 0.5f * row[c] + (r == c ? 0.5f : 0.0f);
      sum += row[c];
    }
    for (size_t c = 0; c < tokens; ++c) row[c] = static_cast<float>(row[c] / sum);
  }
}

Matrix layer_matrix(const Tensor& attention, int layer, const RolloutOptions& options) {
  Matrix a = fused_heads(attention, layer, options.heads, options.fusion);
  discard_lowest(a, options.discard);
  add_identity_and_normalise_rows(a, static_cast<size_t>(attention.dim(2)));
  return a;
}

// e_q^T A_last ... A_0, as row-vector times matrix products from the last layer down.
std::vector<float> row_through(const std::vector<Matrix>& layers, size_t tokens, int query_token, int last_layer) {
  std::vector<double> v(tokens, 0.0);
  v[static_cast<size_t>(query_token)] = 1.0;
  for (int l = last_layer; l >= 0; --l) {
    std::vector<double> next(tokens, 0.0);
    const Matrix& a = layers[static_cast<size_t>(l)];
    for (size_t r = 0; r < tokens; ++r)
      if (v[r] != 0.0)
        for (size_t c = 0; c < tokens; ++c) next[c] += v[r] * a[r * tokens + c];
    v.swap(next);
  }
  return {v.begin(), v.end()};
}

RolloutOptions checked(const Tensor& attention, RolloutOptions options) {
  check_full_attention(attention);
  if (!(options.discard >= 0 && options.discard < 1))
    throw Error("rollout discard ratio " + std::to_string(options.discard) + " is not in [0, 1)");
  MapSelection heads = resolve({{}, options.heads, {}, {}}, static_cast<int>(attention.dim(0)),
                               static_cast<int>(attention.dim(1)));
  options.heads = heads.heads;
  return options;
}

std::vector<Matrix> layer_matrices(const Tensor& attention, int last_layer, const RolloutOptions& options) {
  std::vector<Matrix> layers;
  for (int l = 0; l <= last_layer; ++l) layers.push_back(layer_matrix(attention, l, options));
  return layers;
}

}  // namespace

std::vector<float> rollout_row(const Tensor& attention, int query_token, int last_layer, const RolloutOptions& options) {
  const RolloutOptions o = checked(attention, options);
  const MapSelection layer = resolve({{last_layer}, {}, {}, {}}, static_cast<int>(attention.dim(0)), 1);
  if (query_token < 0 || query_token >= attention.dim(2))
    throw Error("rollout: token " + std::to_string(query_token) + " is out of range (0-" +
                std::to_string(attention.dim(2) - 1) + ")");
  return row_through(layer_matrices(attention, layer.layers[0], o), static_cast<size_t>(attention.dim(2)), query_token,
                     layer.layers[0]);
}

AttentionMaps attention_rollout(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection,
                                double discard) {
  const Tensor& attention = output.attention;
  check_full_attention(attention);
  if (attention.dim(3) != layout.tokens())
    throw Error("attention over " + std::to_string(attention.dim(3)) + " tokens does not match the token layout " +
                describe(layout));
  const MapSelection s = resolve(selection, static_cast<int>(attention.dim(0)), static_cast<int>(attention.dim(1)));
  const RolloutOptions options = checked(attention, {s.fusion.value_or(HeadFusion::Mean), s.heads, discard});

  AttentionMaps maps;
  maps.method = "rollout";
  maps.layers = s.layers;
  maps.heads = {to_string(options.fusion)};
  maps.queries = s.queries;
  maps.query_tokens = resolve_queries(s.queries, layout);
  maps.grid_h = layout.grid_h;
  maps.grid_w = layout.grid_w;
  maps.allocate();
  const std::vector<Matrix> layers =
      layer_matrices(attention, *std::max_element(s.layers.begin(), s.layers.end()), options);
  for (size_t l = 0; l < s.layers.size(); ++l)
    for (size_t q = 0; q < maps.queries.size(); ++q) {
      const std::vector<float> row =
          row_through(layers, static_cast<size_t>(layout.tokens()), maps.query_tokens[q], s.layers[l]);
      cv::Mat(layout.grid_h, layout.grid_w, CV_32F, const_cast<float*>(row.data() + layout.first_patch()))
          .copyTo(maps.map(static_cast<int>(l), 0, static_cast<int>(q)));
    }
  return maps;
}

}  // namespace vitlens
