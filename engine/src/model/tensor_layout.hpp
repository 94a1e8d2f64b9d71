#pragma once
#include <vector>

#include "vitlens/model/tensor.hpp"

namespace vitlens {

// The same values under another shape with as many elements (row-major order is kept).
Tensor reshaped(Tensor tensor, std::vector<int64_t> shape);

// Stacks tensors of equal trailing width into one [sum of rows, width] matrix; each part is
// read as row-major [numel / width, width].
Tensor concat_rows(const std::vector<Tensor>& parts, int64_t width);

}  // namespace vitlens
