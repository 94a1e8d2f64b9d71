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

double activation_derivative(Activation activation, double x) {
  switch (activation) {
    case Activation::GeluErf:
      return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2)) + x * std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
    case Activation::GeluTanh: {
      const double k = std::sqrt(2.0 / std::numbers::pi);
      const double t = std::tanh(k * (x + 0.044715 * x * x * x));
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x);
    }
    case Activation::QuickGelu: {
      const double s = 1.0 / (1.0 + std::exp(-1.702 * x));
      return s + 1.702 * x * s * (1.0 - s);
    }
    case Activation::Relu:
      return x > 0 ? 1.0 : 0.0;
  }
  return 1.0;
}

Matrix swiglu_backward(const Matrix& x, const Matrix& dy) {
  const int half = x.cols / 2;
  Matrix dx(x.rows, x.cols);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < half; ++c) {
      const double gate = x.row(r)[c], value = x.row(r)[half + c], g = dy.row(r)[c];
      const double sigmoid = 1.0 / (1.0 + std::exp(-gate));
      dx.row(r)[c] = g * value * sigmoid * (1.0 + gate * (1.0 - sigmoid));
      dx.row(r)[half + c] = g * gate * sigmoid;
    }
  return dx;
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
