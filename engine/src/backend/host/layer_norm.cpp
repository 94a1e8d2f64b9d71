#include "backend/host/layer_norm.hpp"

#include <cmath>
#include <vector>

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

Matrix layer_norm_backward(const Matrix& x, const Matrix& dy, const LayerNormWeights& norm, double eps) {
  Matrix dx(x.rows, x.cols);
  const float* weight = norm.weight.ptr();
  const int n = x.cols;
  std::vector<double> xhat(static_cast<size_t>(n)), dxhat(static_cast<size_t>(n));
  for (int r = 0; r < x.rows; ++r) {
    const double* in = x.row(r);
    double mean = 0;
    for (int c = 0; c < n; ++c) mean += in[c];
    mean /= n;
    double variance = 0;
    for (int c = 0; c < n; ++c) variance += (in[c] - mean) * (in[c] - mean);
    variance /= n;
    const double inv_std = 1.0 / std::sqrt(variance + eps);
    double mean_dxhat = 0, mean_dxhat_xhat = 0;
    for (int c = 0; c < n; ++c) {
      xhat[static_cast<size_t>(c)] = (in[c] - mean) * inv_std;
      dxhat[static_cast<size_t>(c)] = dy.row(r)[c] * weight[c];
      mean_dxhat += dxhat[static_cast<size_t>(c)];
      mean_dxhat_xhat += dxhat[static_cast<size_t>(c)] * xhat[static_cast<size_t>(c)];
    }
    mean_dxhat /= n;
    mean_dxhat_xhat /= n;
    for (int c = 0; c < n; ++c)
      dx.row(r)[c] = inv_std * (dxhat[static_cast<size_t>(c)] - mean_dxhat - xhat[static_cast<size_t>(c)] * mean_dxhat_xhat);
  }
  return dx;
}

}  // namespace vitlens::cpu
