#pragma once
#include "backend/host/matrix.hpp"
#include "backend/reference/attention.hpp"

namespace vitlens::cpu {

// Back through self_attention (attention.hpp) for one layer: from the gradient at its output
// `d_context` [T, D] to the gradient at the fused projection [T, 3D], recomputing the
// probabilities from `qkv` (and `bias`, a constant with no gradient). `attention` and `attention_grad` receive the post-softmax
// probabilities and the gradient with respect to them, [heads, T, T] each.
Matrix self_attention_backward(const Matrix& qkv, int heads, const Matrix& d_context, float* attention, float* attention_grad,
                               const RelativeBias& bias = {});

}  // namespace vitlens::cpu
