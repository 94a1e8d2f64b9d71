#include "backend/host/request.hpp"

#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens::cpu {

std::pair<int, int> patch_grid(const VitConfig& config, const Tensor& pixels) {
  const int p = config.patch_size;
  const bool shape_ok = pixels.rank() == 3 && pixels.dim(0) == config.num_channels && pixels.dim(1) >= p &&
                        pixels.dim(2) >= p && pixels.dim(1) % p == 0 && pixels.dim(2) % p == 0 &&
                        pixels.numel() == static_cast<int64_t>(pixels.data.size());
  if (!shape_ok)
    throw Error("input image tensor has shape " + shape_string(pixels.shape) + " but the model needs [" +
                std::to_string(config.num_channels) + ", H, W] with H and W positive multiples of the patch size " +
                std::to_string(p));
  return {static_cast<int>(pixels.dim(1)) / p, static_cast<int>(pixels.dim(2)) / p};
}

std::vector<int> attention_queries(const AttentionRequest& request, int tokens) {
  switch (request.rows) {
    case AttentionRequest::Rows::None:
      return {};
    case AttentionRequest::Rows::All: {
      std::vector<int> all(static_cast<size_t>(tokens));
      for (int t = 0; t < tokens; ++t) all[static_cast<size_t>(t)] = t;
      return all;
    }
    case AttentionRequest::Rows::Selected:
      for (int t : request.query_tokens)
        if (t < 0 || t >= tokens)
          throw Error("attention was requested for token " + std::to_string(t) + " but this image has only " +
                      std::to_string(tokens) + " tokens (0.." + std::to_string(tokens - 1) + ")");
      return request.query_tokens;
  }
  return {};
}

// All rows of a very large image would not fit in memory; say so instead of failing to allocate.
void check_attention_size(const VitConfig& config, int64_t layers, int64_t queries, int64_t tokens) {
  constexpr int64_t kMaxValues = int64_t{1} << 30;
  const int64_t values = layers * config.num_heads * queries * tokens;
  if (values > kMaxValues)
    throw Error("attention for " + std::to_string(queries) + " query tokens over " + std::to_string(tokens) +
                " tokens would need " + std::to_string(values * 4 / (1 << 20)) + " MiB (the limit is " +
                std::to_string(kMaxValues * 4 / (1 << 20)) + " MiB); request fewer rows (for example only the CLS token)" +
                (layers > 1 ? " or stream them layer by layer" : ""));
}

}  // namespace vitlens::cpu
