#include "backend/reference/attention_backward.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/host/parallel.hpp"

namespace vitlens::cpu {

Matrix self_attention_backward(const Matrix& qkv, int heads, const Matrix& d_context, float* attention, float* attention_grad,
                               const RelativeBias& bias) {
  const int tokens = qkv.rows, width = qkv.cols / 3, dh = width / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  Matrix d_qkv(tokens, 3 * width);
  // Each head writes only its own columns of d_qkv.
  parallel_for(heads, [&](int h) {
    const int q0 = h * dh, k0 = width + h * dh, v0 = 2 * width + h * dh;
    std::vector<double> a(static_cast<size_t>(tokens) * tokens), da(a.size());
    for (int t = 0; t < tokens; ++t) {
      double* row = a.data() + static_cast<size_t>(t) * tokens;
      for (int s = 0; s < tokens; ++s) {
        double score = 0;
        for (int i = 0; i < dh; ++i) score += qkv.row(t)[q0 + i] * qkv.row(s)[k0 + i];
        row[s] = score * scale + (bias.empty() ? 0.0 : bias.at(h, t, s));
      }
      const double top = *std::max_element(row, row + tokens);
      double sum = 0;
      for (int s = 0; s < tokens; ++s) sum += (row[s] = std::exp(row[s] - top));
      for (int s = 0; s < tokens; ++s) row[s] /= sum;
      // dA = dC V^T; dV += A^T dC.
      double* drow = da.data() + static_cast<size_t>(t) * tokens;
      for (int s = 0; s < tokens; ++s) {
        double g = 0;
        for (int i = 0; i < dh; ++i) {
          g += d_context.row(t)[q0 + i] * qkv.row(s)[v0 + i];
          d_qkv.row(s)[v0 + i] += row[s] * d_context.row(t)[q0 + i];
        }
        drow[s] = g;
      }
      // Softmax: dS = A (dA - sum(dA A)), then the scores' scale into dQ and dK.
      double dot = 0;
      for (int s = 0; s < tokens; ++s) dot += drow[s] * row[s];
      for (int s = 0; s < tokens; ++s) {
        const double ds = row[s] * (drow[s] - dot) * scale;
        for (int i = 0; i < dh; ++i) {
          d_qkv.row(t)[q0 + i] += ds * qkv.row(s)[k0 + i];
          d_qkv.row(s)[k0 + i] += ds * qkv.row(t)[q0 + i];
        }
      }
    }
    const size_t offset = static_cast<size_t>(h) * tokens * tokens;
    std::transform(a.begin(), a.end(), attention + offset, [](double v) { return static_cast<float>(v); });
    std::transform(da.begin(), da.end(), attention_grad + offset, [](double v) { return static_cast<float>(v); });
  });
  return d_qkv;
}

}  // namespace vitlens::cpu
