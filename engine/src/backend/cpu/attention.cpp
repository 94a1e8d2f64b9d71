#include "backend/cpu/attention.hpp"

#include <algorithm>
#include <cmath>

#include "model/relative_position_bias.hpp"

namespace vitlens::cpu {
namespace {

// Scores a block may hold (32 MiB of floats): a 224 x 224 image's attention runs as one block,
// and a long sequence in blocks of a few hundred query rows. Smaller blocks would stay in the
// caches but cost more than they save: at 4,097 tokens and 6 heads, blocks of 16 rows take
// 1.9x as long as blocks of 256 (matmuls with few rows run far below the machine's peak).
constexpr int64_t kBlockScores = int64_t{1} << 23;
// The fewest rows a block has when the budget would allow fewer (very long sequences).
constexpr int kMinBlockRows = 64;

}  // namespace

BlockedAttention::BlockedAttention(OneDnn& dnn, int hidden, int heads)
    : dnn_(&dnn), hidden_(hidden), heads_(heads), head_dim_(hidden / heads) {}

int BlockedAttention::block_rows(int tokens) const {
  const int64_t rows = kBlockScores / (int64_t{heads_} * tokens);
  return static_cast<int>(std::clamp<int64_t>(rows, std::min(tokens, kMinBlockRows), tokens));
}

BlockedAttention::Primitives& BlockedAttention::primitives_for(int tokens, int rows) {
  const auto key = std::pair{tokens, rows};
  auto found = primitives_.find(key);
  if (found != primitives_.end()) return found->second;
  const int64_t H = heads_, dh = head_dim_, D = hidden_, T = tokens, B = rows;
  // Views into qkv [T, 3D]: head h's q is columns h*dh.. of the first D, k and v likewise.
  const auto q = f32({H, B, dh}, {dh, 3 * D, 1});
  const auto k_transposed = f32({H, dh, T}, {dh, 1, 3 * D});
  const auto v = f32({H, T, dh}, {dh, 3 * D, 1});
  const auto scores = f32({H, B, T}, {B * T, T, 1});
  const auto context = f32({H, B, dh}, {dh, D, 1});
  dnnl::primitive_attr scaled;
  scaled.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(dh))});
  Primitives p{
      dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(q, k_transposed, scores), scaled, dnn_->engine)),
      dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(
          dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, scores, 2), dnn_->engine)),
      dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(scores, v, context), dnn_->engine))};
  return primitives_.emplace(key, std::move(p)).first->second;
}

void BlockedAttention::add_bias(float* scores, int first, int rows, int tokens, const PositionBias& bias) const {
  const float* table = bias.table->ptr();
  const int heads = heads_;
#pragma omp parallel for num_threads(dnn_->threads)
  for (int job = 0; job < heads * rows; ++job) {
    const int h = job / rows, r = job % rows;
    float* row = scores + static_cast<size_t>(job) * tokens;
    for (int key = 0; key < tokens; ++key)
      row[key] += table[static_cast<size_t>(relative_position_row(first + r, key, bias.grid_height, bias.grid_width)) * heads + h];
  }
}

void BlockedAttention::copy_rows(const float* scores, int first, int rows, int tokens, const AttentionRows& out) const {
  const auto& queries = *out.queries;
  const size_t count = queries.size();
  for (size_t j = 0; j < count; ++j) {
    const int r = queries[j] - first;
    if (r < 0 || r >= rows) continue;
    for (int h = 0; h < heads_; ++h)
      std::copy_n(scores + (static_cast<size_t>(h) * rows + r) * tokens, tokens, out.probabilities + (h * count + j) * tokens);
  }
}

void BlockedAttention::run(const float* qkv, int tokens, float* context, const AttentionRows& rows, const PositionBias& bias) {
  run_queries(qkv, tokens, 0, tokens, context, rows, bias);
}

void BlockedAttention::run_queries(const float* qkv, int tokens, int begin, int end, float* context, const AttentionRows& rows,
                                   const PositionBias& bias) {
  const int block = block_rows(tokens);
  scores_.resize(static_cast<size_t>(heads_) * block * tokens);
  const auto k = view(*dnn_, f32({heads_, head_dim_, tokens}, {head_dim_, 1, 3 * hidden_}), qkv + hidden_);
  const auto v = view(*dnn_, f32({heads_, tokens, head_dim_}, {head_dim_, 3 * hidden_, 1}), qkv + 2 * hidden_);
  for (int first = begin; first < end; first += block) {
    const int n = std::min(block, end - first);
    Primitives& p = primitives_for(tokens, n);
    const auto scores_desc = f32({heads_, n, tokens}, {int64_t{n} * tokens, tokens, 1});
    const auto scores = view(*dnn_, scores_desc, scores_.data());
    const auto q = view(*dnn_, f32({heads_, n, head_dim_}, {head_dim_, 3 * hidden_, 1}), qkv + static_cast<size_t>(first) * 3 * hidden_);
    const auto out = view(*dnn_, f32({heads_, n, head_dim_}, {head_dim_, hidden_, 1}), context + static_cast<size_t>(first - begin) * hidden_);
    p.scores.execute(dnn_->stream, {{DNNL_ARG_SRC, q}, {DNNL_ARG_WEIGHTS, k}, {DNNL_ARG_DST, scores}});
    if (bias.table && !bias.table->empty()) {
      dnn_->stream.wait();
      add_bias(scores_.data(), first, n, tokens, bias);
    }
    p.softmax.execute(dnn_->stream, {{DNNL_ARG_SRC, scores}, {DNNL_ARG_DST, scores}});
    if (rows.probabilities) {
      dnn_->stream.wait();
      copy_rows(scores_.data(), first, n, tokens, rows);
    }
    p.context.execute(dnn_->stream, {{DNNL_ARG_SRC, scores}, {DNNL_ARG_WEIGHTS, v}, {DNNL_ARG_DST, out}});
  }
}

}  // namespace vitlens::cpu
