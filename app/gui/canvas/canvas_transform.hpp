#pragma once
#include <QPointF>
#include <QSize>
#include <QSizeF>
#include <QTransform>

namespace vitlens::gui {

// The canvas's transform chain: image pixels -> fit (the whole image centred in the view)
// -> zoom and pan -> logical view coordinates -> device pixels (x devicePixelRatio, done by
// QPainter). Zoom is relative to fit; "1:1" means one image pixel per DEVICE pixel.
class CanvasTransform {
 public:
  void setImageSize(QSize size);
  void setViewSize(QSizeF size);
  void setDevicePixelRatio(qreal ratio);

  void fit();                                // zoom 1, no pan
  void actualSize();                         // one image pixel per device pixel, centred
  void zoomAt(qreal factor, QPointF view);   // keeps the image point under `view` in place
  void pan(QPointF delta);                   // in logical view pixels

  bool hasImage() const { return !image_.isEmpty(); }
  QSize imageSize() const { return image_; }
  qreal zoom() const { return zoom_; }
  // Logical view pixels per image pixel.
  qreal scale() const { return fitScale() * zoom_; }
  // Device pixels per image pixel: above 2 the canvas samples nearest-neighbour.
  qreal deviceScale() const { return scale() * dpr_; }

  QTransform imageToView() const;
  QPointF mapToImagePixel(QPointF view) const;  // may lie outside the image
  QPointF mapToView(QPointF image) const;

  static constexpr qreal kMinZoom = 0.05;
  static constexpr qreal kMaxDeviceScale = 64;

 private:
  qreal fitScale() const;
  void clampZoom();

  QSize image_;
  QSizeF view_;
  qreal dpr_ = 1;
  qreal zoom_ = 1;
  QPointF pan_;  // offset of the image centre from the view centre, logical pixels
};

}  // namespace vitlens::gui
