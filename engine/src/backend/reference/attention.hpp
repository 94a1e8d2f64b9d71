#pragma once
#include <vector>

#include "backend/host/matrix.hpp"

namespace vitlens::cpu {

// Multi-head self-attention on a fused projection qkv [T, 3D] (q, k, v side by side; head h
// owns columns h*dh..(h+1)*dh of each). Returns softmax(q·kᵀ/sqrt(dh))·v as [T, D].
// When `probabilities` is not null, the post-softmax rows of the tokens in `queries` are
// written there as [heads, queries.size(), T], in the order of `queries`.
Matrix self_attention(const Matrix& qkv, int heads, const std::vector<int>& queries, float* probabilities);

}  // namespace vitlens::cpu
