#pragma once
#include <vector>

#include "vitlens/model/model.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// The same values under another shape with as many elements (row-major order is kept).
Tensor reshaped(Tensor tensor, std::vector<int64_t> shape);

// Stacks tensors of equal trailing width into one [sum of rows, width] matrix; each part is
// read as row-major [numel / width, width].
Tensor concat_rows(const std::vector<Tensor>& parts, int64_t width);

// LayerScale multiplies a branch's output by gamma [out]; folding it into the branch's last
// linear layer (rows and bias) leaves the encoder one weight layout for every checkpoint.
void fold_layer_scale(Linear& layer, const Tensor& gamma);

}  // namespace vitlens
