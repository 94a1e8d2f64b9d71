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

// `heads` points at one layer's heads, each tokens x tokens (n values).
Matrix fused_heads(const float* heads_rows, size_t n, const std::vector<int>& heads, HeadFusion fusion) {
  auto head = [&](int h) { return heads_rows + static_cast<size_t>(h) * n; };
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

RolloutOptions checked(RolloutOptions options, int num_layers, int num_heads) {
  if (!(options.discard >= 0 && options.discard < 1))
    throw Error("rollout discard ratio " + std::to_string(options.discard) + " is not in [0, 1)");
  options.heads = resolve({{}, options.heads, {}, {}}, num_layers, num_heads).heads;
  return options;
}

// One layer's A from its rows [heads, tokens, tokens].
Matrix layer_matrix(const float* layer_rows, size_t tokens, const RolloutOptions& options) {
  Matrix a = fused_heads(layer_rows, tokens * tokens, options.heads, options.fusion);
  discard_lowest(a, options.discard);
  add_identity_and_normalise_rows(a, tokens);
  return a;
}

std::vector<Matrix> layer_matrices(const Tensor& attention, int last_layer, const RolloutOptions& options) {
  const auto tokens = static_cast<size_t>(attention.dim(2));
  const size_t layer_floats = static_cast<size_t>(attention.dim(1)) * tokens * tokens;
  std::vector<Matrix> layers;
  for (int l = 0; l <= last_layer; ++l)
    layers.push_back(layer_matrix(attention.ptr() + static_cast<size_t>(l) * layer_floats, tokens, options));
  return layers;
}

// e_q^T A_last ... A_0, as row-vector times matrix products from the last layer down: with
// every layer stored this costs tokens^2 per layer, not the tokens^3 of the whole product.
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

// The maps' labels for a resolved selection, values still zero.
AttentionMaps empty_rollout_maps(const TokenLayout& layout, const MapSelection& s, const RolloutOptions& options) {
  AttentionMaps maps;
  maps.method = "rollout";
  maps.layers = s.layers;
  maps.heads = {to_string(options.fusion)};
  maps.queries = s.queries;
  maps.query_tokens = resolve_queries(s.queries, layout);
  maps.grid_h = layout.grid_h;
  maps.grid_w = layout.grid_w;
  maps.allocate();
  return maps;
}

// A rollout row over every token into map (layer, 0, query): its patch tokens.
void put_row(AttentionMaps& maps, const TokenLayout& layout, size_t layer, size_t query, const std::vector<float>& row) {
  cv::Mat(layout.grid_h, layout.grid_w, CV_32F, const_cast<float*>(row.data() + layout.first_patch()))
      .copyTo(maps.map(static_cast<int>(layer), 0, static_cast<int>(query)));
}

}  // namespace

// The running rollout A_l ... A_0 of a streamed forward pass, one layer at a time. Without
// the later layers the rows cannot be taken from the last layer down, so the product is
// kept whole (tokens^3 per layer) and in double.
class RolloutProduct {
 public:
  RolloutProduct(int tokens, RolloutOptions options) : tokens_(tokens), options_(std::move(options)) {}

  // One layer's rows [heads, tokens, tokens].
  void add(const float* layer_rows) {
    Matrix a = layer_matrix(layer_rows, static_cast<size_t>(tokens_), options_);
    cv::Mat layer;
    cv::Mat(tokens_, tokens_, CV_32F, a.data()).convertTo(layer, CV_64F);
    if (product_.empty())
      product_ = layer;
    else
      cv::gemm(layer, product_, 1.0, cv::noArray(), 0.0, product_);
  }

  // Row `token` of the product so far.
  std::vector<float> row(int token) const {
    const double* r = product_.ptr<double>(token);
    return {r, r + tokens_};
  }

 private:
  int tokens_;
  RolloutOptions options_;
  cv::Mat product_;  // CV_64F tokens x tokens; empty before the first layer
};

std::vector<float> rollout_row(const Tensor& attention, int query_token, int last_layer, const RolloutOptions& options) {
  check_full_attention(attention);
  const auto layers = static_cast<int>(attention.dim(0)), heads = static_cast<int>(attention.dim(1));
  const RolloutOptions o = checked(options, layers, heads);
  const int last = resolve({{last_layer}, {}, {}, {}}, layers, 1).layers[0];
  if (query_token < 0 || query_token >= attention.dim(2))
    throw Error("rollout: token " + std::to_string(query_token) + " is out of range (0-" +
                std::to_string(attention.dim(2) - 1) + ")");
  return row_through(layer_matrices(attention, last, o), static_cast<size_t>(attention.dim(2)), query_token, last);
}

AttentionMaps attention_rollout(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection,
                                double discard) {
  const Tensor& attention = output.attention;
  check_full_attention(attention);
  if (attention.dim(3) != layout.tokens())
    throw Error("attention over " + std::to_string(attention.dim(3)) + " tokens does not match the token layout " +
                describe(layout));
  const auto layers = static_cast<int>(attention.dim(0)), heads = static_cast<int>(attention.dim(1));
  const MapSelection s = resolve(selection, layers, heads);
  const RolloutOptions options = checked({s.fusion.value_or(HeadFusion::Mean), s.heads, discard}, layers, heads);
  AttentionMaps maps = empty_rollout_maps(layout, s, options);
  const std::vector<Matrix> matrices = layer_matrices(attention, *std::max_element(s.layers.begin(), s.layers.end()), options);
  for (size_t l = 0; l < s.layers.size(); ++l)
    for (size_t q = 0; q < maps.queries.size(); ++q)
      put_row(maps, layout, l, q,
              row_through(matrices, static_cast<size_t>(layout.tokens()), maps.query_tokens[q], s.layers[l]));
  return maps;
}

RolloutAccumulator::RolloutAccumulator(const TokenLayout& layout, const MapSelection& selection, double discard,
                                       int num_layers, int num_heads)
    : layout_(layout), num_layers_(num_layers) {
  const MapSelection s = resolve(selection, num_layers, num_heads);
  const RolloutOptions options = checked({s.fusion.value_or(HeadFusion::Mean), s.heads, discard}, num_layers, num_heads);
  product_ = std::make_unique<RolloutProduct>(layout.tokens(), options);
  maps_ = empty_rollout_maps(layout, s, options);
  last_layer_ = *std::max_element(s.layers.begin(), s.layers.end());
}

RolloutAccumulator::~RolloutAccumulator() = default;

AttentionRequest RolloutAccumulator::request(std::vector<int> kept_tokens) {
  for (int t : kept_tokens)
    if (t < 0 || t >= layout_.tokens())
      throw Error("rollout: token " + std::to_string(t) + " is outside the " + describe(layout_));
  kept_tokens_ = std::move(kept_tokens);
  return AttentionRequest::all().streamed([this](int layer, const Tensor& rows) { add_layer(layer, rows); });
}

void RolloutAccumulator::keep_rows(int layer, const Tensor& rows) {
  const int64_t heads = rows.dim(0), T = rows.dim(2), K = static_cast<int64_t>(kept_tokens_.size());
  if (kept_rows_.empty()) kept_rows_ = Tensor({num_layers_, heads, K, T});
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t k = 0; k < K; ++k) {
      const float* row = rows.ptr() + (h * T + kept_tokens_[static_cast<size_t>(k)]) * T;
      std::copy(row, row + T, kept_rows_.ptr() + ((layer * heads + h) * K + k) * T);
    }
}

void RolloutAccumulator::add_layer(int layer, const Tensor& rows) {
  const int64_t T = layout_.tokens();
  if (rows.rank() != 3 || rows.dim(1) != T || rows.dim(2) != T)
    throw Error("attention rollout needs every row of each layer [heads, " + std::to_string(T) + ", " +
                std::to_string(T) + "], got " + shape_string(rows.shape) + " (request AttentionRequest::all())");
  if (layer != next_layer_)
    throw Error("rollout: layer " + std::to_string(layer) + " came before layer " + std::to_string(next_layer_));
  ++next_layer_;
  if (!kept_tokens_.empty()) keep_rows(layer, rows);
  if (layer > last_layer_) return;
  product_->add(rows.ptr());
  for (size_t l = 0; l < maps_.layers.size(); ++l) {
    if (maps_.layers[l] != layer) continue;
    for (size_t q = 0; q < maps_.query_tokens.size(); ++q) put_row(maps_, layout_, l, q, product_->row(maps_.query_tokens[q]));
  }
}

AttentionMaps RolloutAccumulator::maps() const {
  if (next_layer_ <= last_layer_)
    throw Error("rollout: layer " + std::to_string(next_layer_) + "'s attention has not been added yet");
  return maps_;
}

}  // namespace vitlens
