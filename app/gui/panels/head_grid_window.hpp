#pragma once
#include <QWidget>

class QScrollArea;

namespace vitlens::gui {

class HeadGridPanel;

// The layers x heads grid in a window of its own, zoomable (Ctrl+wheel, Ctrl++ / Ctrl+-,
// Fit), following the dock's grid: the same cells, selection and clicks.
class HeadGridWindow : public QWidget {
  Q_OBJECT

 public:
  explicit HeadGridWindow(HeadGridPanel* source, QWidget* parent = nullptr);

  HeadGridPanel* panel() const { return view_; }
  // Cell width in pixels; 0 fits the grid to the window.
  void setCellWidth(double width);
  void zoomIn();
  void zoomOut();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  HeadGridPanel* source_;
  HeadGridPanel* view_;
  QScrollArea* scroll_;
};

// The Layers x Heads dock's content: an Open in Window button above `grid`.
QWidget* head_grid_dock_content(HeadGridPanel* grid);

}  // namespace vitlens::gui
