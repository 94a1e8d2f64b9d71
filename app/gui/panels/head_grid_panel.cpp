#include "panels/head_grid_panel.hpp"

#include <QMouseEvent>
#include <QPainter>

namespace vitlens::gui {

namespace {

constexpr int kMargin = 4;

}  // namespace

HeadGridPanel::HeadGridPanel(QWidget* parent) : QWidget(parent) {
  setMessage(tr("The layers x heads grid appears here once an image has been run."));
}

void HeadGridPanel::setGrid(const QImage& image, std::vector<std::vector<cv::Rect>> cells) {
  image_ = image;
  cells_ = std::move(cells);
  message_.clear();
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Click a cell to show that layer and head"));
  update();
}

void HeadGridPanel::setMessage(const QString& message) {
  image_ = {};
  cells_.clear();
  message_ = message;
  unsetCursor();
  setToolTip({});
  update();
}

QRectF HeadGridPanel::imageRect() const {
  if (image_.isNull()) return {};
  const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
  // Never enlarge: the engine drew the cells at the size they read best.
  const qreal scale = std::min({1.0, area.width() / image_.width(), area.height() / image_.height()});
  const QSizeF size(image_.width() * scale, image_.height() * scale);
  return {QPointF(area.left() + (area.width() - size.width()) / 2, area.top()), size};
}

void HeadGridPanel::setSelectedCell(int row, int column) {
  selected_ = {row, column};
  update();
}

std::pair<int, int> HeadGridPanel::cellAt(QPoint p) const {
  for (int r = 0; r < static_cast<int>(cells_.size()); ++r)
    for (int c = 0; c < static_cast<int>(cells_[static_cast<size_t>(r)].size()); ++c)
      if (cells_[static_cast<size_t>(r)][static_cast<size_t>(c)].contains({p.x(), p.y()})) return {r, c};
  return {-1, -1};
}

void HeadGridPanel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (image_.isNull()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignTop | Qt::AlignHCenter | Qt::TextWordWrap, message_);
    return;
  }
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  const QRectF target = imageRect();
  painter.drawImage(target, image_);
  const auto [row, column] = selected_;
  if (row < 0 || row >= static_cast<int>(cells_.size()) || column < 0 ||
      column >= static_cast<int>(cells_[static_cast<size_t>(row)].size()))
    return;
  const cv::Rect& cell = cells_[static_cast<size_t>(row)][static_cast<size_t>(column)];
  const qreal scale = target.width() / image_.width();
  const QRectF outline(target.left() + cell.x * scale, target.top() + cell.y * scale, cell.width * scale, cell.height * scale);
  painter.setPen(QPen(palette().color(QPalette::Highlight), 3));
  painter.setBrush(Qt::NoBrush);
  painter.drawRect(outline.adjusted(-2, -2, 2, 2));
}

void HeadGridPanel::mouseReleaseEvent(QMouseEvent* event) {
  const QRectF target = imageRect();
  if (event->button() != Qt::LeftButton || target.isEmpty()) return;
  const QPointF p = (event->position() - target.topLeft()) * (image_.width() / target.width());
  const auto [row, column] = cellAt(p.toPoint());
  if (row >= 0) emit cellClicked(row, column);
}

}  // namespace vitlens::gui
