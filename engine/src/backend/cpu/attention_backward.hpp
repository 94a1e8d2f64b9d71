#pragma once
#include <unordered_map>
#include <vector>

#include "backend/cpu/onednn.hpp"

namespace vitlens::cpu {

// The backward pass of one layer's multi-head self-attention, for explanations. With
// A = softmax(q·kᵀ/sqrt(dh) + bias) the layer's attention (kept by the traced forward pass) and
// dC the gradient at its output: dA = dC·vᵀ, dv = Aᵀ·dC, dS = softmax'(A)·dA, and
// dq = dS·k/sqrt(dh), dk = dSᵀ·q/sqrt(dh). Every product is a batched oneDNN matmul over the
// heads that reads q, k, v and dC in place through strides, and writes dq, dk and dv into
// their columns of d_qkv. The bias is a constant: it needs no gradient.
class AttentionBackward {
 public:
  AttentionBackward(OneDnn& dnn, int hidden, int heads);

  // qkv [T, 3D], attention A [H, T, T] and d_context [T, D] (heads merged) ->
  // attention_grad dA [H, T, T] and d_qkv [T, 3D].
  void run(const float* qkv, int tokens, const float* attention, const float* d_context, float* attention_grad, float* d_qkv);

 private:
  struct Primitives {
    WithScratchpad<dnnl::matmul> d_attention;  // dC·vᵀ
    WithScratchpad<dnnl::matmul> d_value;      // Aᵀ·dC
    WithScratchpad<dnnl::softmax_backward> d_scores;
    WithScratchpad<dnnl::matmul> d_query;  // dS·k, scaled
    WithScratchpad<dnnl::matmul> d_key;    // dSᵀ·q, scaled
  };
  Primitives& primitives_for(int tokens);

  OneDnn* dnn_;
  int hidden_, heads_, head_dim_;
  std::vector<float> d_scores_;
  std::unordered_map<int, Primitives> primitives_;
};

}  // namespace vitlens::cpu
