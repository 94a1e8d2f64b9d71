#include "model/relative_position_bias.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

// One axis of PyTorch's bilinear interpolation with align_corners=False and an output size.
struct Tap {
  int low, high;
  double weight;  // of `high`
};

Tap bilinear_tap(int out_index, int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double source = std::max(0.0, (out_index + 0.5) * scale - 0.5);
  const int low = std::min(static_cast<int>(source), in_size - 1);
  return {low, std::min(low + 1, in_size - 1), source - low};
}

// transformers reads the trained offsets as [2 Ww - 1 rows, 2 Wh - 1 columns] (its reshape
// names width first) and resizes them to [2 gh - 1, 2 gw - 1]; for the square grids BEiT is
// trained on the two readings agree.
Tensor resample_offsets(const Tensor& trained, int in_rows, int in_cols, int out_rows, int out_cols) {
  const int64_t heads = trained.dim(1);
  Tensor out({int64_t{out_rows} * out_cols + 3, heads});
  for (int y = 0; y < out_rows; ++y) {
    const Tap ty = bilinear_tap(y, in_rows, out_rows);
    for (int x = 0; x < out_cols; ++x) {
      const Tap tx = bilinear_tap(x, in_cols, out_cols);
      const auto at = [&](int r, int c, int64_t h) { return static_cast<double>(trained.data[(static_cast<size_t>(r) * in_cols + c) * heads + h]); };
      for (int64_t h = 0; h < heads; ++h) {
        const double top = at(ty.low, tx.low, h) * (1 - tx.weight) + at(ty.low, tx.high, h) * tx.weight;
        const double bottom = at(ty.high, tx.low, h) * (1 - tx.weight) + at(ty.high, tx.high, h) * tx.weight;
        out.data[(static_cast<size_t>(y) * out_cols + x) * heads + h] = static_cast<float>(top * (1 - ty.weight) + bottom * ty.weight);
      }
    }
  }
  const size_t cls_rows = 3 * static_cast<size_t>(heads);
  std::copy(trained.data.end() - static_cast<std::ptrdiff_t>(cls_rows), trained.data.end(), out.data.end() - static_cast<std::ptrdiff_t>(cls_rows));
  return out;
}

// timm's resize_rel_pos_bias_table (layers/pos_embed_rel.py, without scipy), which its
// checkpoint filter applies when a Beit is built at another size: the src trained offsets of
// one axis sit at the points of a geometric progression spread to cover the dst // 2 integer
// offsets either side, and every integer offset interpolates linearly between them (edges
// clamped; RegularGridInterpolator). The positions are float32, as torch.tensor makes them.
std::vector<float> stretched_positions(int src, int dst) {
  const auto progression = [](double r, int n) { return (1.0 - std::pow(r, n)) / (1.0 - r); };
  double left = 1.01, right = 1.5, q = 0;
  while (right - left > 1e-6) {
    q = (left + right) / 2.0;
    if (progression(q, src / 2) > dst / 2)
      right = q;
    else
      left = q;
  }
  std::vector<double> distances;
  double current = 1;
  for (int i = 0; i < src / 2; ++i) {
    distances.push_back(current);
    current += std::pow(q, i + 1);
  }
  std::vector<float> points;
  for (auto it = distances.rbegin(); it != distances.rend(); ++it) points.push_back(static_cast<float>(-*it));
  points.push_back(0.0f);
  for (double d : distances) points.push_back(static_cast<float>(d));
  return points;
}

// Linear weights of integer target offsets -(dst // 2)..dst // 2 between `points`.
std::vector<Tap> linear_taps(const std::vector<float>& points, int dst) {
  std::vector<Tap> taps;
  const int last = static_cast<int>(points.size()) - 1;
  for (int t = -(dst / 2); t <= dst / 2; ++t) {
    const auto x = static_cast<float>(t);
    int high = static_cast<int>(std::lower_bound(points.begin(), points.end(), x) - points.begin());
    high = std::min(high, last);
    const int low = std::max(high - 1, 0);
    float to_low = std::max(x - points[static_cast<size_t>(low)], 0.0f), to_high = std::max(points[static_cast<size_t>(high)] - x, 0.0f);
    if (to_low == 0.0f && to_high == 0.0f) to_low = to_high = 1.0f;
    taps.push_back({low, high, static_cast<double>(to_low) / (static_cast<double>(to_low) + to_high)});
  }
  return taps;
}

Tensor resize_timm(const Tensor& trained, int src, int dst_rows, int dst_cols) {
  const int64_t heads = trained.dim(1);
  const std::vector<Tap> ty = linear_taps(stretched_positions(src, dst_rows), dst_rows);
  const std::vector<Tap> tx = linear_taps(stretched_positions(src, dst_cols), dst_cols);
  Tensor out({int64_t{dst_rows} * dst_cols + 3, heads});
  const auto at = [&](int r, int c, int64_t h) { return static_cast<double>(trained.data[(static_cast<size_t>(r) * src + c) * heads + h]); };
  for (int y = 0; y < dst_rows; ++y)
    for (int x = 0; x < dst_cols; ++x) {
      const Tap& a = ty[static_cast<size_t>(y)];
      const Tap& b = tx[static_cast<size_t>(x)];
      for (int64_t h = 0; h < heads; ++h) {
        const double top = at(a.low, b.low, h) * (1 - b.weight) + at(a.low, b.high, h) * b.weight;
        const double bottom = at(a.high, b.low, h) * (1 - b.weight) + at(a.high, b.high, h) * b.weight;
        out.data[(static_cast<size_t>(y) * dst_cols + x) * heads + h] = static_cast<float>(top * (1 - a.weight) + bottom * a.weight);
      }
    }
  const size_t cls_rows = 3 * static_cast<size_t>(heads);
  std::copy(trained.data.end() - static_cast<std::ptrdiff_t>(cls_rows), trained.data.end(), out.data.end() - static_cast<std::ptrdiff_t>(cls_rows));
  return out;
}

}  // namespace

Tensor relative_position_table(const Tensor& trained, const VitConfig& config, int grid_height, int grid_width) {
  if (grid_height == config.grid_height() && grid_width == config.grid_width()) return trained;
  if (config.format == "timm") {
    if (config.grid_height() != config.grid_width())
      throw Error("timm BEiT (" + config.architecture + ") resizes the relative position bias of square training grids only; this one is " +
                  std::to_string(config.grid_height()) + "x" + std::to_string(config.grid_width()));
    return resize_timm(trained, 2 * config.grid_height() - 1, 2 * grid_height - 1, 2 * grid_width - 1);
  }
  return resample_offsets(trained, 2 * config.grid_width() - 1, 2 * config.grid_height() - 1, 2 * grid_height - 1, 2 * grid_width - 1);
}

}  // namespace vitlens
