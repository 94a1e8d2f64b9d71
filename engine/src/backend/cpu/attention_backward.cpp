#include "backend/cpu/attention_backward.hpp"

#include <cmath>

namespace vitlens::cpu {
namespace {

// The layouts the products read and write, for H heads of width dh over T tokens in a
// [T, 3D] qkv (or its gradient) and a [T, D] context gradient.
struct Layouts {
  dnnl::memory::desc head_columns;  // q, k, v (or dq, dk, dv): {H, T, dh} in a [T, 3D] array
  dnnl::memory::desc v_transposed;  // vᵀ: {H, dh, T} in a [T, 3D] array
  dnnl::memory::desc d_context;     // {H, T, dh} in a [T, D] array
  dnnl::memory::desc square;        // A, dA, dS: {H, T, T} dense
  dnnl::memory::desc transposed;    // Aᵀ, dSᵀ: the same arrays read transposed
};

Layouts layouts(int64_t H, int64_t T, int64_t dh) {
  const int64_t D = H * dh;
  return {f32({H, T, dh}, {dh, 3 * D, 1}), f32({H, dh, T}, {dh, 1, 3 * D}), f32({H, T, dh}, {dh, D, 1}),
          f32({H, T, T}, {T * T, T, 1}), f32({H, T, T}, {T * T, 1, T})};
}

}  // namespace

AttentionBackward::AttentionBackward(OneDnn& dnn, int hidden, int heads)
    : dnn_(&dnn), hidden_(hidden), heads_(heads), head_dim_(hidden / heads) {}

AttentionBackward::Primitives& AttentionBackward::primitives_for(int tokens) {
  auto found = primitives_.find(tokens);
  if (found != primitives_.end()) return found->second;
  const Layouts m = layouts(heads_, tokens, head_dim_);
  const auto& engine = dnn_->engine;
  dnnl::primitive_attr scaled = user_scratchpad();
  scaled.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(head_dim_))});
  const dnnl::softmax_forward::primitive_desc softmax(dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, m.square, 2),
                                                      engine);
  const auto matmul = [&](const dnnl::memory::desc& a, const dnnl::memory::desc& b, const dnnl::memory::desc& c,
                          const dnnl::primitive_attr& attr) {
    return WithScratchpad<dnnl::matmul>(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), attr, engine));
  };
  const dnnl::primitive_attr plain = user_scratchpad();
  Primitives p{matmul(m.d_context, m.v_transposed, m.square, plain), matmul(m.transposed, m.d_context, m.head_columns, plain),
               WithScratchpad<dnnl::softmax_backward>(dnnl::softmax_backward::primitive_desc(
                   dnnl::softmax_backward::desc(m.square, m.square, 2), plain, engine, softmax)),
               matmul(m.square, m.head_columns, m.head_columns, scaled), matmul(m.transposed, m.head_columns, m.head_columns, scaled)};
  return primitives_.emplace(tokens, std::move(p)).first->second;
}

void AttentionBackward::run(const float* qkv, int tokens, const float* attention, const float* d_context, float* attention_grad,
                            float* d_qkv) {
  Primitives& p = primitives_for(tokens);
  const Layouts m = layouts(heads_, tokens, head_dim_);
  const int D = hidden_;
  d_scores_.resize(static_cast<size_t>(heads_) * tokens * tokens);
  OneDnn& s = *dnn_;
  const auto columns = [&](const float* base, int offset) { return view(*dnn_, m.head_columns, base + offset); };
  const auto a = view(*dnn_, m.square, attention), a_t = view(*dnn_, m.transposed, attention);
  const auto da = view(*dnn_, m.square, attention_grad);
  const auto ds = view(*dnn_, m.square, d_scores_.data()), ds_t = view(*dnn_, m.transposed, d_scores_.data());
  const auto dc = view(*dnn_, m.d_context, d_context);
  p.d_attention.execute(s, {{DNNL_ARG_SRC, dc}, {DNNL_ARG_WEIGHTS, view(*dnn_, m.v_transposed, qkv + 2 * D)}, {DNNL_ARG_DST, da}});
  p.d_value.execute(s, {{DNNL_ARG_SRC, a_t}, {DNNL_ARG_WEIGHTS, dc}, {DNNL_ARG_DST, columns(d_qkv, 2 * D)}});
  p.d_scores.execute(s, {{DNNL_ARG_DST, a}, {DNNL_ARG_DIFF_DST, da}, {DNNL_ARG_DIFF_SRC, ds}});
  p.d_query.execute(s, {{DNNL_ARG_SRC, ds}, {DNNL_ARG_WEIGHTS, columns(qkv, D)}, {DNNL_ARG_DST, columns(d_qkv, 0)}});
  p.d_key.execute(s, {{DNNL_ARG_SRC, ds_t}, {DNNL_ARG_WEIGHTS, columns(qkv, 0)}, {DNNL_ARG_DST, columns(d_qkv, D)}});
}

}  // namespace vitlens::cpu
