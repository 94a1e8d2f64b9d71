#pragma once
#include "backend/host/matrix.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// y = x·Wᵀ + b for every row of x, with W [out, in] in float and double accumulation.
// An empty bias counts as zero.
Matrix linear(const Matrix& x, const Linear& layer);
// The gradient at linear's input from the gradient `dy` [rows, out] at its output: dy·W.
Matrix linear_backward(const Matrix& dy, const Linear& layer);

}  // namespace vitlens::cpu
