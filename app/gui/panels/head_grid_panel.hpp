#pragma once
#include <vector>

#include <QImage>
#include <QWidget>

#include <opencv2/core.hpp>

namespace vitlens::gui {

// The layers x heads montage of the current query (drawn by the engine), scaled to fit the
// panel; clicking a cell reports its row (layer) and column (each head, then the head
// fusion, then the rollout).
class HeadGridPanel : public QWidget {
  Q_OBJECT

 public:
  explicit HeadGridPanel(QWidget* parent = nullptr);

  void setGrid(const QImage& image, std::vector<std::vector<cv::Rect>> cells);
  void setMessage(const QString& message);
  // Outlines the cell the canvas shows; (-1, -1) for none.
  void setSelectedCell(int row, int column);
  std::pair<int, int> selectedCell() const { return selected_; }
  const QImage& image() const { return image_; }
  // The cell under a point of the grid image, or {-1, -1}.
  std::pair<int, int> cellAt(QPoint image_point) const;
  // Where the grid image is drawn in the panel.
  QRectF imageRect() const;

  QSize sizeHint() const override { return {360, 420}; }

 signals:
  void cellClicked(int row, int column);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  QImage image_;
  std::vector<std::vector<cv::Rect>> cells_;
  QString message_;
  std::pair<int, int> selected_{-1, -1};
};

}  // namespace vitlens::gui
