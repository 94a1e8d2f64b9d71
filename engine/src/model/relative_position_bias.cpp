#include "model/relative_position_bias.hpp"

#include <algorithm>
#include <cmath>
#include <string>

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

}  // namespace

Tensor relative_position_table(const Tensor& trained, const VitConfig& config, int grid_height, int grid_width) {
  if (grid_height == config.grid_height() && grid_width == config.grid_width()) return trained;
  if (config.format == "timm")
    throw Error("timm BEiT (" + config.architecture + ") runs at its training size only, as timm's Beit does: its relative position bias covers a " +
                std::to_string(config.grid_height()) + "x" + std::to_string(config.grid_width()) + " patch grid (" + std::to_string(config.image_height) + "x" +
                std::to_string(config.image_width) + " inputs), not " + std::to_string(grid_height) + "x" + std::to_string(grid_width));
  return resample_offsets(trained, 2 * config.grid_width() - 1, 2 * config.grid_height() - 1, 2 * grid_height - 1, 2 * grid_width - 1);
}

}  // namespace vitlens
