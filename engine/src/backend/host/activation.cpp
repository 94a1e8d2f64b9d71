#include "backend/host/activation.hpp"

#include <cmath>
#include <numbers>

namespace vitlens::cpu {

double activate(Activation activation, double x) {
  switch (activation) {
    case Activation::GeluErf:
      return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
    case Activation::GeluTanh: {
      const double k = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    }
    case Activation::QuickGelu:
      return x / (1.0 + std::exp(-1.702 * x));
    case Activation::Relu:
      return x > 0 ? x : 0.0;
  }
  return x;
}

void activate(Activation activation, Matrix& x) {
  for (double& v : x.data) v = activate(activation, v);
}

Matrix swiglu(const Matrix& x) {
  const int half = x.cols / 2;
  Matrix y(x.rows, half);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < half; ++c) {
      const double gate = x.row(r)[c];
      y.row(r)[c] = gate / (1.0 + std::exp(-gate)) * x.row(r)[half + c];
    }
  return y;
}

}  // namespace vitlens::cpu
