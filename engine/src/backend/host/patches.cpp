#include "backend/host/patches.hpp"

#include <algorithm>

namespace vitlens::cpu {
namespace {

// Calls copy(patch row pointer, image row pointer) for each P-pixel run of every patch.
template <typename Image, typename Copy>
void for_each_run(Image& image, int patch, size_t ld, Copy copy) {
  const int64_t channels = image.dim(0), height = image.dim(1), width = image.dim(2);
  const int64_t grid_h = height / patch, grid_w = width / patch;
  for (int64_t gy = 0; gy < grid_h; ++gy)
    for (int64_t gx = 0; gx < grid_w; ++gx) {
      const size_t row = static_cast<size_t>(gy * grid_w + gx) * ld;
      for (int64_t c = 0; c < channels; ++c)
        for (int ky = 0; ky < patch; ++ky)
          copy(row + static_cast<size_t>((c * patch + ky) * patch), static_cast<size_t>((c * height + gy * patch + ky) * width + gx * patch));
    }
}

}  // namespace

void gather_patches(const Tensor& image, int patch, float* rows, size_t ld) {
  for_each_run(image, patch, ld, [&](size_t at, size_t pixel) { std::copy_n(image.ptr() + pixel, patch, rows + at); });
}

void scatter_patches(const float* rows, size_t ld, int patch, Tensor& image) {
  for_each_run(image, patch, ld, [&](size_t at, size_t pixel) { std::copy_n(rows + at, patch, image.ptr() + pixel); });
}

}  // namespace vitlens::cpu
