#include "backend/vulkan/weight_layout.hpp"

namespace vitlens::vk {

std::vector<float> WeightLayout::arrange(const float* weight) const {
  std::vector<float> laid_out(floats(), 0.0f);
  for (uint32_t r = 0; r < out; ++r)
    for (uint32_t k = 0; k < in; ++k) laid_out[index(r, k)] = weight[size_t{r} * in + k];
  return laid_out;
}

}  // namespace vitlens::vk
