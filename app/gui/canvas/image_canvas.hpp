#pragma once
#include <vector>

#include <QColor>
#include <QImage>
#include <QPixmap>
#include <QRectF>
#include <QString>
#include <QWidget>

#include "canvas/canvas_transform.hpp"

namespace vitlens::gui {

// A box drawn over the image, in image pixels.
struct CanvasBox {
  QRectF rect;
  QString label;
  QColor colour;
  Qt::PenStyle outline = Qt::SolidLine;  // boxes of one class differ by their outline
};

// Shows the image with its layers (heatmap with an opacity, boxes, the picked query patch),
// all drawn in image coordinates through one CanvasTransform so they stay aligned at every
// zoom. Wheel zooms toward the cursor, dragging pans, a click picks a box or a pixel.
class ImageCanvas : public QWidget {
  Q_OBJECT

 public:
  explicit ImageCanvas(QWidget* parent = nullptr);

  // A new picture; `keep_view` keeps zoom and position (when stepping through a folder).
  void setImage(const QImage& image, bool keep_view);
  // The next frame of a live source: only the picture changes; the layers (the newest
  // result) and the view stay, unless the frame size changed, which fits the view anew.
  void setFrame(const QImage& frame);
  void clear();
  bool hasImage() const { return !image_.isNull(); }
  // The heatmap covers the whole image whatever its own size.
  void setHeatmap(const QImage& heatmap);
  void setHeatmapOpacity(double opacity);
  void setHeatmapVisible(bool visible);
  bool heatmapShown() const { return heatmap_visible_ && !heatmap_.isNull(); }
  void setBoxes(std::vector<CanvasBox> boxes);
  void setHighlightedBox(int index);  // -1 for none
  int highlightedBox() const { return highlighted_; }
  void setMarker(const QRectF& image_rect);  // the query patch; empty for none

  void fitToWindow();
  void actualSize();
  void zoomIn();
  void zoomOut();
  const CanvasTransform& transform() const { return transform_; }

 signals:
  void imageClicked(QPointF image_pixel);
  void boxClicked(int index);
  void boxHovered(int index);  // -1 when the cursor leaves every box
  void pointerMoved(QPointF image_pixel);  // outside the image when the cursor leaves it
  void viewChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  int boxAt(QPointF view) const;
  void drawBoxes(QPainter& painter) const;
  void drawPlaceholder(QPainter& painter) const;
  void hover(int index);
  void viewUpdated();

  CanvasTransform transform_;
  QPixmap image_;
  QPixmap heatmap_;
  double heatmap_opacity_ = 0.55;
  bool heatmap_visible_ = true;
  std::vector<CanvasBox> boxes_;
  int highlighted_ = -1;
  QRectF marker_;
  QPointF press_;
  QPointF last_drag_;
  bool dragging_ = false;
};

}  // namespace vitlens::gui
