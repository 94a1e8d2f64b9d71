#include "backend/host/layer_norm.hpp"

#include <cmath>

namespace vitlens::cpu {

Matrix layer_norm(const Matrix& x, const LayerNormWeights& norm, double eps) {
  Matrix y(x.rows, x.cols);
  const float* weight = norm.weight.ptr();
  const float* bias = norm.bias.ptr();
  for (int r = 0; r < x.rows; ++r) {
    const double* in = x.row(r);
    double mean = 0;
    for (int c = 0; c < x.cols; ++c) mean += in[c];
    mean /= x.cols;
    double variance = 0;
    for (int c = 0; c < x.cols; ++c) variance += (in[c] - mean) * (in[c] - mean);
    variance /= x.cols;
    const double inv_std = 1.0 / std::sqrt(variance + eps);
    double* out = y.row(r);
    for (int c = 0; c < x.cols; ++c) out[c] = (in[c] - mean) * inv_std * weight[c] + bias[c];
  }
  return y;
}

}  // namespace vitlens::cpu
