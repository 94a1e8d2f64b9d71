#include "panels/head_grid_layout.hpp"

#include <algorithm>
#include <cmath>

namespace vitlens::gui {

namespace {

constexpr double kMargin = 4;
constexpr double kGap = 3;
constexpr double kLabelPad = 6;

// Every how many rows (or columns) a label fits without touching the next one.
int label_step(double pitch, double text_height) { return std::max(1, static_cast<int>(std::ceil(text_height / pitch))); }

double widest(const QStringList& labels, const QFontMetricsF& metrics) {
  double w = 0;
  for (const QString& l : labels) w = std::max(w, metrics.horizontalAdvance(l));
  return w;
}

}  // namespace

HeadGridLayout layout_head_grid(QSizeF area, QSizeF cell, const QStringList& row_labels, const QStringList& column_labels,
                                const QFontMetricsF& metrics, double cell_width) {
  HeadGridLayout layout;
  const int rows = static_cast<int>(row_labels.size()), columns = static_cast<int>(column_labels.size());
  if (rows == 0 || columns == 0 || cell.isEmpty()) return layout;
  const double aspect = cell.height() / cell.width();
  const double label_width = widest(row_labels, metrics) + kLabelPad;
  const double column_text = widest(column_labels, metrics) + kLabelPad;

  // The cell width that fills the area below a header of `header` height.
  const auto fitted = [&](double header) {
    const double across = (area.width() - 2 * kMargin - label_width) / columns - kGap;
    const double down = ((area.height() - 2 * kMargin - header) / rows - kGap) / aspect;
    return std::max(1.0, std::min(across, down));
  };
  double header = metrics.height() + kLabelPad;
  double width = cell_width > 0 ? cell_width : fitted(header);
  if (width < column_text) {
    layout.vertical_column_labels = true;
    header = column_text;
    if (cell_width <= 0) width = fitted(header);
  }
  const double height = width * aspect;
  const double grid_width = label_width + columns * (width + kGap);
  // Centred across the area when the height limits the cells.
  const double left = kMargin + (cell_width > 0 ? 0 : std::max(0.0, (area.width() - 2 * kMargin - grid_width) / 2));
  const double top = kMargin + header;
  const int row_step = label_step(height + kGap, metrics.height());
  const int column_step = layout.vertical_column_labels ? label_step(width + kGap, metrics.height()) : 1;
  for (int r = 0; r < rows; ++r) {
    const double y = top + r * (height + kGap);
    layout.row_labels.push_back(r % row_step ? QRectF() : QRectF(left, y, label_width - kLabelPad / 2, height));
    std::vector<QRectF> row;
    for (int c = 0; c < columns; ++c) row.emplace_back(left + label_width + c * (width + kGap), y, width, height);
    layout.cells.push_back(std::move(row));
  }
  for (int c = 0; c < columns; ++c)
    layout.column_labels.push_back(c % column_step ? QRectF()
                                                   : QRectF(left + label_width + c * (width + kGap), kMargin, width,
                                                            header - kLabelPad / 2));
  layout.size = {left + grid_width + kMargin, top + rows * (height + kGap) + kMargin};
  return layout;
}

}  // namespace vitlens::gui
