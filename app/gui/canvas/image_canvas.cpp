#include "canvas/image_canvas.hpp"

#include "canvas/label_placement.hpp"

#include <cmath>

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

namespace vitlens::gui {

namespace {

constexpr qreal kStepZoom = 1.25;
constexpr qreal kDragThreshold = 4;  // logical pixels before a press becomes a pan
constexpr qreal kBoxPen = 2;

}  // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(240, 180);
  setAutoFillBackground(false);
}

void ImageCanvas::setImage(const QImage& image, bool keep_view) {
  image_ = QPixmap::fromImage(image);
  heatmap_ = {};
  boxes_.clear();
  highlighted_ = -1;
  marker_ = {};
  transform_.setImageSize(image.size());
  if (!keep_view) transform_.fit();
  viewUpdated();
}

void ImageCanvas::setFrame(const QImage& frame) {
  const bool resized = image_.isNull() || image_.size() != frame.size();
  image_ = QPixmap::fromImage(frame);
  if (!resized) {
    update();
    return;
  }
  transform_.setImageSize(frame.size());
  transform_.fit();
  viewUpdated();
}

void ImageCanvas::clear() {
  image_ = {};
  heatmap_ = {};
  boxes_.clear();
  marker_ = {};
  transform_.setImageSize({});
  update();
}

void ImageCanvas::setHeatmap(const QImage& heatmap) {
  heatmap_ = heatmap.isNull() ? QPixmap() : QPixmap::fromImage(heatmap);
  update();
}

void ImageCanvas::setHeatmapOpacity(double opacity) {
  heatmap_opacity_ = opacity;
  update();
}

void ImageCanvas::setHeatmapVisible(bool visible) {
  heatmap_visible_ = visible;
  update();
}

void ImageCanvas::setBoxes(std::vector<CanvasBox> boxes) {
  boxes_ = std::move(boxes);
  highlighted_ = -1;
  update();
}

void ImageCanvas::setHighlightedBox(int index) {
  if (index == highlighted_) return;
  highlighted_ = index;
  update();
}

void ImageCanvas::setMarker(const QRectF& image_rect) {
  marker_ = image_rect;
  update();
}

void ImageCanvas::fitToWindow() {
  transform_.fit();
  viewUpdated();
}

void ImageCanvas::actualSize() {
  transform_.actualSize();
  viewUpdated();
}

void ImageCanvas::zoomIn() {
  transform_.zoomAt(kStepZoom, rect().center());
  viewUpdated();
}

void ImageCanvas::zoomOut() {
  transform_.zoomAt(1 / kStepZoom, rect().center());
  viewUpdated();
}

void ImageCanvas::viewUpdated() {
  transform_.setViewSize(size());
  transform_.setDevicePixelRatio(devicePixelRatioF());
  update();
  emit viewChanged();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().color(QPalette::Window).darker(115));
  if (image_.isNull()) {
    drawPlaceholder(painter);
    return;
  }
  transform_.setDevicePixelRatio(devicePixelRatioF());
  // Past 2 device pixels per image pixel, smoothing would blur the patch blocks.
  painter.setRenderHint(QPainter::SmoothPixmapTransform, transform_.deviceScale() < 2);
  painter.setTransform(transform_.imageToView());
  const QRectF image_rect(QPointF(0, 0), QSizeF(image_.size()));
  painter.drawPixmap(image_rect, image_, QRectF(image_.rect()));
  if (heatmapShown()) {
    painter.setOpacity(heatmap_opacity_);
    painter.drawPixmap(image_rect, heatmap_, QRectF(heatmap_.rect()));
    painter.setOpacity(1);
  }
  if (!marker_.isEmpty()) {
    QPen pen(Qt::white, 2, Qt::DashLine);
    pen.setCosmetic(true);
    painter.setPen(pen);
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(marker_);
  }
  painter.resetTransform();
  drawBoxes(painter);
}

void ImageCanvas::drawBoxes(QPainter& painter) const {
  painter.setRenderHint(QPainter::Antialiasing);
  const QFontMetrics metrics(font());
  // Boxes are mapped, not drawn through the transform, so lines and text keep their size.
  std::vector<QRectF> view_boxes;
  std::vector<QSizeF> sizes;
  for (const CanvasBox& box : boxes_) {
    view_boxes.push_back(transform_.imageToView().mapRect(box.rect));
    sizes.emplace_back(metrics.horizontalAdvance(box.label) + 8, metrics.height() + 2);
  }
  const std::vector<QRectF> tags = place_labels(view_boxes, sizes, QRectF(rect()));
  for (int i = 0; i < static_cast<int>(boxes_.size()); ++i) {
    const CanvasBox& box = boxes_[static_cast<size_t>(i)];
    const bool lit = i == highlighted_;
    const QRectF& r = view_boxes[static_cast<size_t>(i)];
    QColor fill = box.colour;
    fill.setAlpha(lit ? 70 : 0);
    painter.setPen(QPen(box.colour, lit ? kBoxPen * 2 : kBoxPen, box.outline));
    painter.setBrush(fill);
    painter.drawRect(r);
    const QRectF& tag = tags[static_cast<size_t>(i)];
    painter.fillRect(tag, box.colour);
    painter.setPen(box.colour.lightness() > 140 ? Qt::black : Qt::white);
    painter.drawText(tag, Qt::AlignCenter, box.label);
  }
}

void ImageCanvas::drawPlaceholder(QPainter& painter) const {
  painter.setPen(palette().color(QPalette::PlaceholderText));
  painter.drawText(rect(), Qt::AlignCenter,
                   tr("Open an image (Ctrl+O), a folder (Ctrl+Shift+O),\nor drop files here"));
}

void ImageCanvas::resizeEvent(QResizeEvent*) {
  transform_.setViewSize(size());
  emit viewChanged();
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
  if (image_.isNull()) return;
  transform_.zoomAt(std::pow(1.0015, event->angleDelta().y()), event->position());
  viewUpdated();
  event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  press_ = last_drag_ = event->position();
  dragging_ = false;
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) {
    if (!dragging_ && (event->position() - press_).manhattanLength() < kDragThreshold) return;
    dragging_ = true;
    setCursor(Qt::ClosedHandCursor);
    transform_.pan(event->position() - last_drag_);
    last_drag_ = event->position();
    viewUpdated();
    return;
  }
  hover(boxAt(event->position()));
  if (!image_.isNull()) emit pointerMoved(transform_.mapToImagePixel(event->position()));
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  unsetCursor();
  if (dragging_ || image_.isNull()) {
    dragging_ = false;
    return;
  }
  const int box = boxAt(event->position());
  if (box >= 0) {
    emit boxClicked(box);
    return;
  }
  const QPointF pixel = transform_.mapToImagePixel(event->position());
  if (QRectF(QPointF(0, 0), QSizeF(image_.size())).contains(pixel)) emit imageClicked(pixel);
}

void ImageCanvas::leaveEvent(QEvent*) {
  hover(-1);
  emit pointerMoved({-1, -1});
}

void ImageCanvas::hover(int index) {
  if (index == highlighted_) return;
  setHighlightedBox(index);
  emit boxHovered(index);
}

int ImageCanvas::boxAt(QPointF view) const {
  const QPointF pixel = transform_.mapToImagePixel(view);
  // The smallest box under the cursor, so nested boxes stay reachable.
  int best = -1;
  for (int i = 0; i < static_cast<int>(boxes_.size()); ++i) {
    const QRectF& r = boxes_[static_cast<size_t>(i)].rect;
    if (r.contains(pixel) && (best < 0 || r.width() * r.height() < boxes_[static_cast<size_t>(best)].rect.width() *
                                                                         boxes_[static_cast<size_t>(best)].rect.height()))
      best = i;
  }
  return best;
}

}  // namespace vitlens::gui
