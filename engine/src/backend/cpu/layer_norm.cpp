#include "backend/cpu/layer_norm.hpp"

#include <cmath>

namespace vitlens::cpu {

PackedLayerNorm::PackedLayerNorm(OneDnn& dnn, const LayerNormWeights& norm, double eps)
    : dnn_(&dnn), scale_(norm.weight.data), shift_(norm.bias.data), eps_(static_cast<float>(eps)) {}

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
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < width; ++c) sum += in[c];
    const float mean = sum / static_cast<float>(width);
    float squares = 0;
#pragma omp simd reduction(+ : squares)
    for (int c = 0; c < width; ++c) squares += (in[c] - mean) * (in[c] - mean);
    const float inverse = 1.0f / std::sqrt(squares / static_cast<float>(width) + eps_);
#pragma omp simd
    for (int c = 0; c < width; ++c) out[c] = (in[c] - mean) * inverse * scale[c] + shift[c];
  }
}

}  // namespace vitlens::cpu
