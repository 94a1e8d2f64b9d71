#include "panels/head_grid_panel.hpp"

#include <QMouseEvent>
#include <QPainter>

namespace vitlens::gui {

HeadGridPanel::HeadGridPanel(QWidget* parent) : QWidget(parent) {
  setMessage(tr("The layers x heads grid appears here once an image has been run."));
}

void HeadGridPanel::setGrid(const QImage& image, const std::vector<std::vector<QRect>>& cells, const QStringList& row_labels,
                            const QStringList& column_labels) {
  cells_.clear();
  for (const auto& row : cells) {
    std::vector<QImage> images;
    for (const QRect& cell : row) images.push_back(image.copy(cell));
    cells_.push_back(std::move(images));
  }
  row_labels_ = row_labels;
  column_labels_ = column_labels;
  message_.clear();
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Click a cell to show that layer and head"));
  updateGeometry();
  update();
  emit contentChanged();
}

void HeadGridPanel::setMessage(const QString& message) {
  cells_.clear();
  row_labels_.clear();
  column_labels_.clear();
  message_ = message;
  unsetCursor();
  setToolTip({});
  updateGeometry();
  update();
  emit contentChanged();
}

void HeadGridPanel::showSameAs(const HeadGridPanel& other) {
  cells_ = other.cells_;
  row_labels_ = other.row_labels_;
  column_labels_ = other.column_labels_;
  message_ = other.message_;
  selected_ = other.selected_;
  if (hasGrid())
    setCursor(Qt::PointingHandCursor);
  else
    unsetCursor();
  updateGeometry();
  update();
}

void HeadGridPanel::setSelectedCell(int row, int column) {
  selected_ = {row, column};
  update();
  emit contentChanged();
}

void HeadGridPanel::setCellWidth(double width) {
  cell_width_ = width;
  updateGeometry();
  if (width > 0) resize(sizeHint());
  update();
}

HeadGridLayout HeadGridPanel::currentLayout() const {
  if (!hasGrid()) return {};
  return layout_head_grid(size(), cells_[0][0].size(), row_labels_, column_labels_, QFontMetricsF(font()), cell_width_);
}

QSize HeadGridPanel::sizeHint() const {
  if (cell_width_ <= 0 || !hasGrid()) return {360, 420};
  const HeadGridLayout zoomed =
      layout_head_grid({}, cells_[0][0].size(), row_labels_, column_labels_, QFontMetricsF(font()), cell_width_);
  return zoomed.size.toSize() + QSize(1, 1);
}

std::pair<int, int> HeadGridPanel::cellAt(QPointF point) const {
  const HeadGridLayout layout = currentLayout();
  for (int r = 0; r < static_cast<int>(layout.cells.size()); ++r)
    for (int c = 0; c < static_cast<int>(layout.cells[static_cast<size_t>(r)].size()); ++c)
      if (layout.cells[static_cast<size_t>(r)][static_cast<size_t>(c)].contains(point)) return {r, c};
  return {-1, -1};
}

void HeadGridPanel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (!hasGrid()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignTop | Qt::AlignHCenter | Qt::TextWordWrap, message_);
    return;
  }
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  const HeadGridLayout layout = currentLayout();
  painter.setPen(palette().color(QPalette::WindowText));
  for (size_t r = 0; r < layout.cells.size(); ++r) {
    if (!layout.row_labels[r].isEmpty())
      painter.drawText(layout.row_labels[r], Qt::AlignRight | Qt::AlignVCenter, row_labels_[static_cast<qsizetype>(r)]);
    for (size_t c = 0; c < layout.cells[r].size(); ++c) painter.drawImage(layout.cells[r][c], cells_[r][c]);
  }
  for (size_t c = 0; c < layout.column_labels.size(); ++c) {
    const QRectF& where = layout.column_labels[c];
    if (where.isEmpty()) continue;
    const QString& text = column_labels_[static_cast<qsizetype>(c)];
    if (!layout.vertical_column_labels) {
      painter.drawText(where, Qt::AlignHCenter | Qt::AlignBottom, text);
      continue;
    }
    // Read bottom to top, ending just above the cell.
    painter.save();
    painter.translate(where.center().x(), where.bottom());
    painter.rotate(-90);
    painter.drawText(QRectF(0, -where.width() / 2, where.height(), where.width()), Qt::AlignLeft | Qt::AlignVCenter, text);
    painter.restore();
  }
  const auto [row, column] = selected_;
  if (row < 0 || row >= static_cast<int>(layout.cells.size()) || column < 0 ||
      column >= static_cast<int>(layout.cells[static_cast<size_t>(row)].size()))
    return;
  painter.setPen(QPen(palette().color(QPalette::Highlight), 3));
  painter.setBrush(Qt::NoBrush);
  painter.drawRect(layout.cells[static_cast<size_t>(row)][static_cast<size_t>(column)].adjusted(-2, -2, 2, 2));
}

void HeadGridPanel::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const auto [row, column] = cellAt(event->position());
  if (row >= 0) emit cellClicked(row, column);
}

}  // namespace vitlens::gui
