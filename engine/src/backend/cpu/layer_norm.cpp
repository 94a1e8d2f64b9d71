#include "backend/cpu/layer_norm.hpp"

#include <cmath>

namespace vitlens::cpu {

PackedLayerNorm::PackedLayerNorm(OneDnn& dnn, const LayerNormWeights& norm, double eps)
    : dnn_(&dnn), scale_(norm.weight.data), shift_(norm.bias.data), eps_(static_cast<float>(eps)) {}

namespace {

struct RowStatistics {
  float mean;
  float inverse_deviation;  // 1 / sqrt(variance + eps)
};

RowStatistics statistics(const float* in, int width, float eps) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < width; ++c) sum += in[c];
  const float mean = sum / static_cast<float>(width);
  float squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int c = 0; c < width; ++c) squares += (in[c] - mean) * (in[c] - mean);
  return {mean, 1.0f / std::sqrt(squares / static_cast<float>(width) + eps)};
}

}  // namespace

// Two passes per row (mean, then the mean square deviation), as PyTorch computes it; the
// simd reductions let the compiler keep several partial sums.
void PackedLayerNorm::run(const float* x, int rows, float* y) const {
  const int width = static_cast<int>(scale_.size());
  const float* scale = scale_.data();
  const float* shift = shift_.data();
  dnn_->stream.wait();
#pragma omp parallel for num_threads(dnn_->threads)
  for (int r = 0; r < rows; ++r) {
    const float* in = x + static_cast<size_t>(r) * width;
    float* out = y + static_cast<size_t>(r) * width;
    const RowStatistics row = statistics(in, width, eps_);
    const float mean = row.mean, inverse = row.inverse_deviation;
#pragma omp simd
    for (int c = 0; c < width; ++c) out[c] = (in[c] - mean) * inverse * scale[c] + shift[c];
  }
}

// With x̂ the normalised input and g = dy·scale: dx = (g - mean(g) - x̂·mean(g·x̂)) / σ.
void PackedLayerNorm::backward(const float* x, const float* dy, int rows, float* dx, bool accumulate) const {
  const int width = static_cast<int>(scale_.size());
  const float* scale = scale_.data();
  dnn_->stream.wait();
#pragma omp parallel for num_threads(dnn_->threads)
  for (int r = 0; r < rows; ++r) {
    const size_t offset = static_cast<size_t>(r) * width;
    const float* in = x + offset;
    const float* grad = dy + offset;
    float* out = dx + offset;
    const RowStatistics row = statistics(in, width, eps_);
    const float mean = row.mean, inverse = row.inverse_deviation;
    float g_sum = 0, gx_sum = 0;
#pragma omp simd reduction(+ : g_sum, gx_sum)
    for (int c = 0; c < width; ++c) {
      const float g = grad[c] * scale[c];
      g_sum += g;
      gx_sum += g * (in[c] - mean) * inverse;
    }
    const float g_mean = g_sum / static_cast<float>(width), gx_mean = gx_sum / static_cast<float>(width);
    const auto gradient = [&](int c) { return (grad[c] * scale[c] - g_mean - (in[c] - mean) * inverse * gx_mean) * inverse; };
    if (accumulate) {
#pragma omp simd
      for (int c = 0; c < width; ++c) out[c] += gradient(c);
    } else {
#pragma omp simd
      for (int c = 0; c < width; ++c) out[c] = gradient(c);
    }
  }
}

}  // namespace vitlens::cpu
