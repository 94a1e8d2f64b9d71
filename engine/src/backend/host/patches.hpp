#pragma once
#include <cstddef>

#include "vitlens/model/tensor.hpp"

namespace vitlens::cpu {

// The patch matrix of a ViT's stride-P patch convolution (im2col) and its transpose.
// Row gy * grid_w + gx holds patch (gy, gx) of a [C, H, W] image, flattened in (channel,
// row, column) order like the convolution's weight [D, C, P, P]; rows are `ld` floats apart.

// Writes the patches of `image` (H and W multiples of `patch`) into `rows`.
void gather_patches(const Tensor& image, int patch, float* rows, size_t ld);

// Writes each value of `rows` back to its pixel of `image` (already shaped [C, H, W]): the
// gradient at the pixels from the gradient at the patch matrix, as patches do not overlap.
void scatter_patches(const float* rows, size_t ld, int patch, Tensor& image);

}  // namespace vitlens::cpu
