#include "backend/cpu/swiglu.hpp"

#include <cmath>
#include <cstddef>

namespace vitlens::cpu {

void swiglu(const float* x, int rows, int half, float* y, int threads) {
#pragma omp parallel for num_threads(threads)
  for (int r = 0; r < rows; ++r) {
    const float* in = x + static_cast<size_t>(r) * 2 * half;
    float* out = y + static_cast<size_t>(r) * half;
    for (int c = 0; c < half; ++c) out[c] = in[c] / (1.0f + std::exp(-in[c])) * in[half + c];
  }
}

// With s = sigmoid(gate): d gate = dy · value · s(1 + gate(1 - s)), d value = dy · gate · s.
void swiglu_backward(const float* x, const float* dy, int rows, int half, float* dx, int threads) {
#pragma omp parallel for num_threads(threads)
  for (int r = 0; r < rows; ++r) {
    const float* in = x + static_cast<size_t>(r) * 2 * half;
    const float* grad = dy + static_cast<size_t>(r) * half;
    float* out = dx + static_cast<size_t>(r) * 2 * half;
    for (int c = 0; c < half; ++c) {
      const float gate = in[c], value = in[half + c];
      const float s = 1.0f / (1.0f + std::exp(-gate));
      out[c] = grad[c] * value * s * (1.0f + gate * (1.0f - s));
      out[half + c] = grad[c] * gate * s;
    }
  }
}

}  // namespace vitlens::cpu
