#pragma once
#include <vector>

#include <QImage>
#include <QStringList>
#include <QWidget>

#include "panels/head_grid_layout.hpp"

namespace vitlens::gui {

// The layers x heads grid of the current query: each cell is one map over the image (drawn
// by the engine), laid out to fill the panel, with layer and head labels in the UI font
// (never scaled down with the cells). Clicking a cell reports its row (layer) and column
// (each head, then the head fusion, then the rollout).
class HeadGridPanel : public QWidget {
  Q_OBJECT

 public:
  explicit HeadGridPanel(QWidget* parent = nullptr);

  // The engine's grid image, where each cell is in it, and the labels of rows and columns.
  void setGrid(const QImage& image, const std::vector<std::vector<QRect>>& cells, const QStringList& row_labels,
               const QStringList& column_labels);
  void setMessage(const QString& message);
  // Shows what `other` shows (the grid, the message, the selected cell): a second view.
  void showSameAs(const HeadGridPanel& other);
  // Outlines the cell the canvas shows; (-1, -1) for none.
  void setSelectedCell(int row, int column);
  std::pair<int, int> selectedCell() const { return selected_; }
  bool hasGrid() const { return !cells_.empty(); }
  const QString& message() const { return message_; }

  // Cells of `cell_width` pixels (a zoomed view in a scroll area); 0 fills the panel.
  void setCellWidth(double width);
  double cellWidth() const { return cell_width_; }
  // Where cells and labels are drawn in the panel now.
  HeadGridLayout currentLayout() const;
  // The cell under a point of the panel, or {-1, -1}.
  std::pair<int, int> cellAt(QPointF point) const;

  QSize sizeHint() const override;

 signals:
  void cellClicked(int row, int column);
  // The grid, message or selection changed (a second view follows it).
  void contentChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  std::vector<std::vector<QImage>> cells_;  // [row][column]
  QStringList row_labels_;
  QStringList column_labels_;
  QString message_;
  std::pair<int, int> selected_{-1, -1};
  double cell_width_ = 0;
};

}  // namespace vitlens::gui
