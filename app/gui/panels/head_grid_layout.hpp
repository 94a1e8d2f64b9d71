#pragma once
#include <vector>

#include <QFontMetricsF>
#include <QRectF>
#include <QSizeF>
#include <QStringList>

namespace vitlens::gui {

// Where the layers x heads grid puts its cells and labels in a given area.
struct HeadGridLayout {
  std::vector<std::vector<QRectF>> cells;  // [row][column]
  std::vector<QRectF> row_labels;          // left of each row; empty for a label skipped because
  std::vector<QRectF> column_labels;       // the cells are smaller than the text (every k-th shown)
  bool vertical_column_labels = false;     // turned a quarter when they are wider than a cell
  QSizeF size;                             // the extent of everything drawn
};

// Lays out a grid of cells of one aspect ratio (`cell`, the engine's cell size) with row and
// column labels set in `metrics`' font, so labels keep the UI font's size however small the
// cells get. Cells grow or shrink together to fill `area` in its limiting direction; with
// `cell_width` > 0 they take that width instead (a zoomed view, `area` ignored).
HeadGridLayout layout_head_grid(QSizeF area, QSizeF cell, const QStringList& row_labels, const QStringList& column_labels,
                                const QFontMetricsF& metrics, double cell_width = 0);

}  // namespace vitlens::gui
