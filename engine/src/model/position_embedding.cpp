#include "vitlens/model/position_embedding.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr double kCubicA = -0.75;  // PyTorch's bicubic kernel (Keys uses -0.5)

// The four taps of one output coordinate along one axis, as PyTorch's upsample_bicubic2d
// computes them with align_corners=False and an explicit output size.
struct CubicTaps {
  std::array<int, 4> index;
  std::array<double, 4> weight;
};

double cubic_near(double x) { return ((kCubicA + 2) * x - (kCubicA + 3)) * x * x + 1; }            // |x| <= 1
double cubic_far(double x) { return ((kCubicA * x - 5 * kCubicA) * x + 8 * kCubicA) * x - 4 * kCubicA; }  // 1 < |x| < 2

CubicTaps cubic_taps(int out_index, int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  // Not clamped to 0, unlike bilinear: the cubic kernel reaches past the border instead and
  // the border value is repeated.
  const double source = (out_index + 0.5) * scale - 0.5;
  const double base = std::floor(source);
  const double t = source - base;
  CubicTaps taps;
  taps.weight = {cubic_far(t + 1), cubic_near(t), cubic_near(1 - t), cubic_far(2 - t)};
  for (int k = 0; k < 4; ++k) taps.index[k] = std::clamp(static_cast<int>(base) - 1 + k, 0, in_size - 1);
  return taps;
}

void check_table(const Tensor& table, int prefix, int gh0, int gw0, int gh, int gw) {
  if (prefix < 0 || gh0 < 1 || gw0 < 1 || gh < 1 || gw < 1)
    throw Error("position embedding: cannot resample a " + std::to_string(gh0) + "x" + std::to_string(gw0) +
                " grid with " + std::to_string(prefix) + " prefix rows to " + std::to_string(gh) + "x" +
                std::to_string(gw));
  const int64_t rows = int64_t{prefix} + int64_t{gh0} * gw0;
  if (table.rank() != 2 || table.dim(0) != rows || table.numel() != static_cast<int64_t>(table.data.size()))
    throw Error("position embedding: table has shape " + shape_string(table.shape) + " but " +
                std::to_string(prefix) + " prefix rows and a " + std::to_string(gh0) + "x" + std::to_string(gw0) +
                " grid need " + std::to_string(rows) + " rows");
}

}  // namespace

Tensor interpolate_pos_embed(const Tensor& table, int prefix, int gh0, int gw0, int gh, int gw) {
  check_table(table, prefix, gh0, gw0, gh, gw);
  if (gh == gh0 && gw == gw0) return table;

  const int64_t width = table.dim(1);
  Tensor out({prefix + int64_t{gh} * gw, width});
  std::copy_n(table.data.begin(), prefix * width, out.data.begin());

  std::vector<CubicTaps> rows(static_cast<size_t>(gh)), cols(static_cast<size_t>(gw));
  for (int y = 0; y < gh; ++y) rows[static_cast<size_t>(y)] = cubic_taps(y, gh0, gh);
  for (int x = 0; x < gw; ++x) cols[static_cast<size_t>(x)] = cubic_taps(x, gw0, gw);

  const float* grid = table.ptr() + prefix * width;
  std::vector<double> value(static_cast<size_t>(width));
  for (int y = 0; y < gh; ++y) {
    for (int x = 0; x < gw; ++x) {
      std::fill(value.begin(), value.end(), 0.0);
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
          const double w = rows[static_cast<size_t>(y)].weight[i] * cols[static_cast<size_t>(x)].weight[j];
          const int source = rows[static_cast<size_t>(y)].index[i] * gw0 + cols[static_cast<size_t>(x)].index[j];
          const float* src = grid + source * width;
          for (int64_t c = 0; c < width; ++c) value[static_cast<size_t>(c)] += w * src[c];
        }
      }
      float* dst = out.ptr() + (prefix + int64_t{y} * gw + x) * width;
      std::copy(value.begin(), value.end(), dst);
    }
  }
  return out;
}

Tensor interpolate_pos_embed(const Tensor& table, int prefix, int suffix, int gh0, int gw0, int gh, int gw) {
  if (suffix == 0) return interpolate_pos_embed(table, prefix, gh0, gw0, gh, gw);
  const int64_t grid_rows = int64_t{prefix} + int64_t{gh0} * gw0;
  if (suffix < 0 || table.rank() != 2 || table.dim(0) != grid_rows + suffix)
    throw Error("position embedding: table has shape " + shape_string(table.shape) + " but " + std::to_string(prefix) +
                " prefix rows, a " + std::to_string(gh0) + "x" + std::to_string(gw0) + " grid and " +
                std::to_string(suffix) + " suffix rows need " + std::to_string(grid_rows + suffix) + " rows");
  const int64_t width = table.dim(1);
  Tensor head({grid_rows, width}, std::vector<float>(table.data.begin(), table.data.begin() + grid_rows * width));
  Tensor out = interpolate_pos_embed(head, prefix, gh0, gw0, gh, gw);
  out.data.insert(out.data.end(), table.data.begin() + grid_rows * width, table.data.end());
  out.shape[0] += suffix;
  return out;
}

}  // namespace vitlens
