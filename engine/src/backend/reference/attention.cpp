#include "backend/reference/attention.hpp"

#include <algorithm>
#include <cmath>

#include "backend/host/parallel.hpp"
#include "model/relative_position_bias.hpp"

namespace vitlens::cpu {

double RelativeBias::at(int head, int query, int key) const {
  const int row = relative_position_row(query, key, grid_height, grid_width);
  return table.data[static_cast<size_t>(row) * static_cast<size_t>(table.dim(1)) + static_cast<size_t>(head)];
}

Matrix self_attention(const Matrix& qkv, int heads, const std::vector<int>& queries, float* probabilities,
                      const RelativeBias& bias) {
  const int tokens = qkv.rows;
  const int width = qkv.cols / 3;
  const int head_dim = width / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));

  // A token may be requested more than once; each request gets its own output row.
  std::vector<std::vector<int>> slots(static_cast<size_t>(tokens));
  if (probabilities)
    for (size_t j = 0; j < queries.size(); ++j) slots[static_cast<size_t>(queries[j])].push_back(static_cast<int>(j));

  Matrix context(tokens, width);
  parallel_for(heads * tokens, [&](int job) {
    const int h = job / tokens;
    const int t = job % tokens;
    const double* q = qkv.row(t) + h * head_dim;
    std::vector<double> weights(static_cast<size_t>(tokens));
    for (int s = 0; s < tokens; ++s) {
      const double* k = qkv.row(s) + width + h * head_dim;
      double score = 0;
      for (int i = 0; i < head_dim; ++i) score += q[i] * k[i];
      weights[static_cast<size_t>(s)] = score * scale + (bias.empty() ? 0.0 : bias.at(h, t, s));
    }
    const double max_score = *std::max_element(weights.begin(), weights.end());
    double sum = 0;
    for (double& w : weights) sum += (w = std::exp(w - max_score));
    for (double& w : weights) w /= sum;

    double* out = context.row(t) + h * head_dim;
    for (int s = 0; s < tokens; ++s) {
      const double* v = qkv.row(s) + 2 * width + h * head_dim;
      const double w = weights[static_cast<size_t>(s)];
      for (int i = 0; i < head_dim; ++i) out[i] += w * v[i];
    }
    for (int j : slots[static_cast<size_t>(t)]) {
      float* row = probabilities + (static_cast<size_t>(h) * queries.size() + j) * tokens;
      std::copy(weights.begin(), weights.end(), row);
    }
  });
  return context;
}

}  // namespace vitlens::cpu
