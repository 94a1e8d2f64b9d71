#pragma once
#include <string>

#include "vitlens/model/tensor.hpp"

namespace vitlens {

// A tensor as a NumPy .npy file (format version 1.0): float32 little-endian ('<f4'),
// C order, the tensor's shape; what numpy.load reads back unchanged.
std::string npy_bytes(const Tensor& tensor);

}  // namespace vitlens
