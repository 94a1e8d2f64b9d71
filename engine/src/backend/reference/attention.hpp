#pragma once
#include <vector>

#include "backend/host/matrix.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens::cpu {

// BEiT's relative position bias of one layer for one input grid (model/relative_position_bias.hpp):
// the table [rows, heads] already fitted to grid_height x grid_width. Empty: no bias.
struct RelativeBias {
  Tensor table;
  int grid_height = 0;
  int grid_width = 0;
  bool empty() const { return table.empty(); }
  // The bias of head `head` on the logit of (query, key).
  double at(int head, int query, int key) const;
};

// Multi-head self-attention on a fused projection qkv [T, 3D] (q, k, v side by side; head h
// owns columns h*dh..(h+1)*dh of each). Returns softmax(q·kᵀ/sqrt(dh) + bias)·v as [T, D].
// When `probabilities` is not null, the post-softmax rows of the tokens in `queries` are
// written there as [heads, queries.size(), T], in the order of `queries`.
Matrix self_attention(const Matrix& qkv, int heads, const std::vector<int>& queries, float* probabilities,
                      const RelativeBias& bias = {});

}  // namespace vitlens::cpu
