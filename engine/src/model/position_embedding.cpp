#include "vitlens/model/position_embedding.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr double kCubicA = -0.75;      // PyTorch's bicubic kernel (Keys uses -0.5)
constexpr double kAntialiasA = -0.5;   // PyTorch's antialiased bicubic, taken from Pillow

// The taps of one output coordinate along one axis: source indices and their weights.
struct Taps {
  std::vector<int> index;
  std::vector<double> weight;
};

double cubic(double x, double a) {
  x = std::abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

// PyTorch's upsample_bicubic2d with align_corners=False and an explicit output size. Not
// clamped to 0, unlike bilinear: the kernel reaches past the border, which is repeated.
Taps cubic_taps(int out_index, int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double source = (out_index + 0.5) * scale - 0.5;
  const double base = std::floor(source);
  const double t = source - base;
  Taps taps;
  for (int k = 0; k < 4; ++k) {
    taps.index.push_back(std::clamp(static_cast<int>(base) - 1 + k, 0, in_size - 1));
    taps.weight.push_back(cubic(t + 1 - k, kCubicA));
  }
  return taps;
}

// PyTorch's _upsample_bicubic2d_aa (Pillow's Resample.c): when shrinking, the kernel's
// support widens by the scale; taps outside the input are dropped, not repeated, and the
// remaining weights are normalised to sum to one.
Taps antialiased_taps(int out_index, int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double stretch = std::max(scale, 1.0);
  const double support = 2.0 * stretch;
  const double center = scale * (out_index + 0.5);
  // PyTorch truncates towards zero before clamping, as Pillow does.
  const int first = std::max(static_cast<int>(center - support + 0.5), 0);
  const int end = std::min(static_cast<int>(center + support + 0.5), in_size);
  Taps taps;
  double total = 0;
  for (int i = first; i < end; ++i) {
    const double w = cubic((i - center + 0.5) / stretch, kAntialiasA);
    taps.index.push_back(i);
    taps.weight.push_back(w);
    total += w;
  }
  if (total != 0)
    for (double& w : taps.weight) w /= total;
  return taps;
}

std::vector<Taps> axis_taps(int in_size, int out_size, PositionResample mode) {
  std::vector<Taps> taps;
  for (int i = 0; i < out_size; ++i)
    taps.push_back(mode == PositionResample::AntialiasedBicubic ? antialiased_taps(i, in_size, out_size)
                                                                : cubic_taps(i, in_size, out_size));
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

Tensor interpolate_pos_embed(const Tensor& table, int prefix, int gh0, int gw0, int gh, int gw, PositionResample mode) {
  check_table(table, prefix, gh0, gw0, gh, gw);
  if (gh == gh0 && gw == gw0) return table;

  const int64_t width = table.dim(1);
  Tensor out({prefix + int64_t{gh} * gw, width});
  std::copy_n(table.data.begin(), prefix * width, out.data.begin());

  const std::vector<Taps> rows = axis_taps(gh0, gh, mode);
  const std::vector<Taps> cols = axis_taps(gw0, gw, mode);

  const float* grid = table.ptr() + prefix * width;
  std::vector<double> value(static_cast<size_t>(width));
  for (int y = 0; y < gh; ++y) {
    for (int x = 0; x < gw; ++x) {
      std::fill(value.begin(), value.end(), 0.0);
      const Taps& row = rows[static_cast<size_t>(y)];
      const Taps& col = cols[static_cast<size_t>(x)];
      for (size_t i = 0; i < row.index.size(); ++i) {
        for (size_t j = 0; j < col.index.size(); ++j) {
          const double w = row.weight[i] * col.weight[j];
          const int source = row.index[i] * gw0 + col.index[j];
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

Tensor interpolate_pos_embed(const Tensor& table, int prefix, int suffix, int gh0, int gw0, int gh, int gw,
                             PositionResample mode) {
  if (suffix == 0) return interpolate_pos_embed(table, prefix, gh0, gw0, gh, gw, mode);
  const int64_t grid_rows = int64_t{prefix} + int64_t{gh0} * gw0;
  if (suffix < 0 || table.rank() != 2 || table.dim(0) != grid_rows + suffix)
    throw Error("position embedding: table has shape " + shape_string(table.shape) + " but " + std::to_string(prefix) +
                " prefix rows, a " + std::to_string(gh0) + "x" + std::to_string(gw0) + " grid and " +
                std::to_string(suffix) + " suffix rows need " + std::to_string(grid_rows + suffix) + " rows");
  const int64_t width = table.dim(1);
  Tensor head({grid_rows, width}, std::vector<float>(table.data.begin(), table.data.begin() + grid_rows * width));
  Tensor out = interpolate_pos_embed(head, prefix, gh0, gw0, gh, gw, mode);
  out.data.insert(out.data.end(), table.data.begin() + grid_rows * width, table.data.end());
  out.shape[0] += suffix;
  return out;
}

}  // namespace vitlens
