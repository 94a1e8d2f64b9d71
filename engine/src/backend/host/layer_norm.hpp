#pragma once
#include "backend/host/matrix.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// Normalises every row to zero mean and unit (biased) variance, then scales and shifts.
Matrix layer_norm(const Matrix& x, const LayerNormWeights& norm, double eps);
// The gradient at layer_norm's input x from the gradient `dy` at its output.
Matrix layer_norm_backward(const Matrix& x, const Matrix& dy, const LayerNormWeights& norm, double eps);

}  // namespace vitlens::cpu
