#include "canvas/patch_geometry.hpp"

#include <cmath>

#include "vitlens/image/preprocess.hpp"

namespace vitlens::gui {

namespace {

// Image pixels per resized pixel, per axis.
QPointF resize_scale(const InferenceResult& r, const InputGeometry& g) {
  return {double(r.rgb.cols) / g.resized.width, double(r.rgb.rows) / g.resized.height};
}

}  // namespace

std::optional<QueryToken> patch_at(const InferenceResult& r, QPointF pixel) {
  const InputGeometry g = input_geometry(r.rgb.size(), r.preprocess);
  const QPointF s = resize_scale(r, g);
  const double patch = r.model->config.patch_size;
  const int column = static_cast<int>(std::floor((pixel.x() / s.x() - g.crop.x) / patch));
  const int row = static_cast<int>(std::floor((pixel.y() / s.y() - g.crop.y) / patch));
  if (row < 0 || column < 0 || row >= r.layout.grid_h || column >= r.layout.grid_w) return std::nullopt;
  return QueryToken{QueryToken::Kind::Patch, row, column};
}

QRectF patch_rect(const InferenceResult& r, int row, int column) {
  const InputGeometry g = input_geometry(r.rgb.size(), r.preprocess);
  const QPointF s = resize_scale(r, g);
  const double patch = r.model->config.patch_size;
  const QPointF top_left((g.crop.x + column * patch) * s.x(), (g.crop.y + row * patch) * s.y());
  return {top_left, QSizeF(patch * s.x(), patch * s.y())};
}

}  // namespace vitlens::gui
