#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "vitlens/backend/forward.hpp"
#include "vitlens/model/config.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens::cpu {

// The patch grid (rows, columns) of a pre-processed image [C, H, W]. Throws vitlens::Error
// when the shape does not fit the model (channels, or sides not positive multiples of the
// patch size).
std::pair<int, int> patch_grid(const VitConfig& config, const Tensor& pixels);

// The token index of each attention row a request asks for, in request order (every token for
// Rows::All). Throws vitlens::Error for a token the image does not have.
std::vector<int> attention_queries(const AttentionRequest& request, int tokens);

// Throws vitlens::Error, with advice, when `layers` layers of rows for `queries` query tokens
// over `tokens` tokens would not fit in memory.
void check_attention_size(const VitConfig& config, int64_t layers, int64_t queries, int64_t tokens);

}  // namespace vitlens::cpu
