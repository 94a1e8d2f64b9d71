#include "backend/host/linear.hpp"

#include <algorithm>

#include "backend/host/parallel.hpp"

namespace vitlens::cpu {
namespace {

// Four partial sums keep the floating-point pipeline busy; the order differs from a
// naive loop only by double rounding.
double dot(const double* x, const float* w, int n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * w[i];
    s1 += x[i + 1] * w[i + 1];
    s2 += x[i + 2] * w[i + 2];
    s3 += x[i + 3] * w[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * w[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

Matrix linear(const Matrix& x, const Linear& layer) {
  const int out = static_cast<int>(layer.weight.dim(0));
  const int in = x.cols;
  const float* weight = layer.weight.ptr();
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.ptr();
  Matrix y(x.rows, out);
  // A block of rows shares each pass over a weight row, so the weights stream from memory
  // once per block instead of once per token.
  constexpr int kBlock = 8;
  const int blocks = (x.rows + kBlock - 1) / kBlock;
  parallel_for(blocks, [&](int block) {
    const int first = block * kBlock;
    const int last = std::min(first + kBlock, x.rows);
    for (int o = 0; o < out; ++o) {
      const float* w = weight + static_cast<size_t>(o) * in;
      const double b = bias ? bias[o] : 0.0;
      for (int r = first; r < last; ++r) y.row(r)[o] = b + dot(x.row(r), w, in);
    }
  });
  return y;
}

Matrix linear_backward(const Matrix& dy, const Linear& layer) {
  const int out = static_cast<int>(layer.weight.dim(0));
  const int in = static_cast<int>(layer.weight.dim(1));
  const float* weight = layer.weight.ptr();
  Matrix dx(dy.rows, in);
  parallel_for(dy.rows, [&](int r) {
    double* row = dx.row(r);
    for (int o = 0; o < out; ++o) {
      const double g = dy.row(r)[o];
      if (g == 0) continue;
      const float* w = weight + static_cast<size_t>(o) * in;
      for (int i = 0; i < in; ++i) row[i] += g * w[i];
    }
  });
  return dx;
}

}  // namespace vitlens::cpu
