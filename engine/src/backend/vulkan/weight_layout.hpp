#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vitlens::vk {

// How a linear layer's [out, in] weight is laid out on the device (MatrixRef::interleave):
// rows padded to in_padded floats (a multiple of 4), row-major when interleave is 0,
// otherwise in groups of `interleave` rows stored interleaved by vec4 along K, the row
// count rounded up to whole groups. Padding is zeros.
struct WeightLayout {
  uint32_t out = 0, in = 0, in_padded = 0, interleave = 0;

  uint32_t rows() const { return interleave ? (out + interleave - 1) / interleave * interleave : out; }
  size_t floats() const { return size_t{rows()} * in_padded; }
  // Where element (row r, column k) lives, in floats from the start.
  size_t index(uint32_t r, uint32_t k) const {
    if (!interleave) return size_t{r} * in_padded + k;
    return ((size_t{r / interleave} * (in_padded / 4) + k / 4) * interleave + r % interleave) * 4 + k % 4;
  }
  // The row-major [out, in] `weight` in this layout.
  std::vector<float> arrange(const float* weight) const;
};

}  // namespace vitlens::vk
