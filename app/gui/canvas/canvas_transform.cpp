#include "canvas/canvas_transform.hpp"

#include <algorithm>

namespace vitlens::gui {

void CanvasTransform::setImageSize(QSize size) { image_ = size; }
void CanvasTransform::setViewSize(QSizeF size) { view_ = size; }
void CanvasTransform::setDevicePixelRatio(qreal ratio) { dpr_ = ratio > 0 ? ratio : 1; }

qreal CanvasTransform::fitScale() const {
  if (image_.isEmpty() || view_.isEmpty()) return 1;
  return std::min(view_.width() / image_.width(), view_.height() / image_.height());
}

void CanvasTransform::clampZoom() {
  const qreal max_zoom = kMaxDeviceScale / (fitScale() * dpr_);
  zoom_ = std::clamp(zoom_, kMinZoom, std::max(kMinZoom, max_zoom));
}

void CanvasTransform::fit() {
  zoom_ = 1;
  pan_ = {};
}

void CanvasTransform::actualSize() {
  zoom_ = 1 / (fitScale() * dpr_);
  pan_ = {};
}

void CanvasTransform::zoomAt(qreal factor, QPointF view) {
  const QPointF anchor = mapToImagePixel(view);
  zoom_ *= factor;
  clampZoom();
  // Move the image so the anchor is under the cursor again.
  pan_ += view - mapToView(anchor);
}

void CanvasTransform::pan(QPointF delta) { pan_ += delta; }

QTransform CanvasTransform::imageToView() const {
  const qreal s = scale();
  QTransform t;
  t.translate(view_.width() / 2 + pan_.x(), view_.height() / 2 + pan_.y());
  t.scale(s, s);
  t.translate(-image_.width() / 2.0, -image_.height() / 2.0);
  return t;
}

QPointF CanvasTransform::mapToImagePixel(QPointF view) const { return imageToView().inverted().map(view); }

QPointF CanvasTransform::mapToView(QPointF image) const { return imageToView().map(image); }

}  // namespace vitlens::gui
