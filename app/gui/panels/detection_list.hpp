#pragma once
#include <vector>

#include <QColor>
#include <QWidget>

#include "vitlens/detection/postprocess.hpp"

class QCheckBox;
class QLabel;
class QSlider;
class QTreeWidget;

namespace vitlens::gui {

// The engine's colour of a class (vitlens::class_colour), as the canvas and list draw it.
QColor class_qcolor(int label_id);
// The outline of the n-th box (from 0) of one class: solid, dashed, dotted, dash-dotted, ...
Qt::PenStyle class_outline(int nth);

// A detector's detections above the score threshold (best first, as given), in a list
// synchronised with the canvas: hovering or selecting a row highlights its box, and the
// canvas highlights rows. Boxes read as the CLI and JSON give them: x0, y0, x1, y1.
class DetectionList : public QWidget {
  Q_OBJECT

 public:
  explicit DetectionList(QWidget* parent = nullptr);

  void setDetections(const std::vector<Detection>& detections);
  void setThreshold(double threshold);
  double threshold() const { return threshold_; }
  // Per-class non-maximum suppression (YOLOS itself has none, so a few boxes may repeat).
  void setMergeOverlaps(bool merge);
  bool mergeOverlaps() const;
  void setHighlighted(int index);  // -1 for none
  int count() const;

 signals:
  void thresholdChanged(double threshold);
  void mergeOverlapsChanged(bool merge);
  void detectionHovered(int index);
  void detectionPicked(int index);  // the user chose it as the attention query

 private:
  QSlider* slider_;
  QLabel* threshold_label_;
  QCheckBox* merge_;
  QTreeWidget* tree_;
  double threshold_ = -1;  // exact; the slider shows it in steps of 0.01
};

}  // namespace vitlens::gui
