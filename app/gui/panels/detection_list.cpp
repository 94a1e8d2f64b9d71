#include "panels/detection_list.hpp"

#include <cmath>

#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QSlider>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "vitlens/detection/overlay.hpp"

namespace vitlens::gui {

namespace {

constexpr int kSliderSteps = 100;

}  // namespace

Qt::PenStyle class_outline(int nth) {
  constexpr Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine, Qt::DashDotDotLine};
  return kStyles[nth % 5];
}

QColor class_qcolor(int label_id) {
  const cv::Scalar rgb = class_colour(label_id);
  return QColor(static_cast<int>(rgb[0]), static_cast<int>(rgb[1]), static_cast<int>(rgb[2]));
}

DetectionList::DetectionList(QWidget* parent)
    : QWidget(parent),
      slider_(new QSlider(Qt::Horizontal)),
      threshold_label_(new QLabel),
      merge_(new QCheckBox(tr("Merge overlapping boxes of a class (NMS)"))),
      tree_(new QTreeWidget) {
  slider_->setRange(0, kSliderSteps);
  slider_->setToolTip(tr("Show detections whose score is above this"));
  tree_->setColumnCount(3);
  tree_->setHeaderLabels({tr("Label"), tr("Score"), tr("Box (x0, y0, x1, y1)")});
  tree_->setRootIsDecorated(false);
  tree_->setMouseTracking(true);
  tree_->setUniformRowHeights(true);
  // The box is never cut; a long label is elided instead.
  tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  tree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  tree_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  tree_->header()->setStretchLastSection(false);
  tree_->setTextElideMode(Qt::ElideRight);

  auto* threshold_row = new QHBoxLayout;
  threshold_row->addWidget(new QLabel(tr("Score >")));
  threshold_row->addWidget(slider_, 1);
  threshold_row->addWidget(threshold_label_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(threshold_row);
  layout->addWidget(merge_);
  layout->addWidget(tree_, 1);

  connect(merge_, &QCheckBox::toggled, this, &DetectionList::mergeOverlapsChanged);
  connect(slider_, &QSlider::valueChanged, this, [this](int value) { setThreshold(value / double(kSliderSteps)); });
  connect(tree_, &QTreeWidget::itemEntered, this,
          [this](QTreeWidgetItem* item) { emit detectionHovered(tree_->indexOfTopLevelItem(item)); });
  connect(tree_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
    if (item) emit detectionPicked(tree_->indexOfTopLevelItem(item));
  });
  setThreshold(0.5);
}

void DetectionList::setDetections(const std::vector<Detection>& detections) {
  const QSignalBlocker block(tree_);
  tree_->clear();
  for (const Detection& d : detections) {
    auto* item = new QTreeWidgetItem({QString::fromStdString(d.label), QString::number(d.score, 'f', 3),
                                      QString("%1, %2, %3, %4")
                                          .arg(d.box.x, 0, 'f', 1)
                                          .arg(d.box.y, 0, 'f', 1)
                                          .arg(d.box.x + d.box.width, 0, 'f', 1)
                                          .arg(d.box.y + d.box.height, 0, 'f', 1)});
    item->setData(0, Qt::DecorationRole, class_qcolor(d.label_id));
    item->setToolTip(0, tr("detection token %1").arg(d.token));
    tree_->addTopLevelItem(item);
  }
}

void DetectionList::setThreshold(double threshold) {
  if (threshold == threshold_) return;
  threshold_ = threshold;
  {
    const QSignalBlocker block(slider_);
    slider_->setValue(static_cast<int>(std::lround(threshold * kSliderSteps)));
  }
  threshold_label_->setText(QString::number(threshold, 'f', 2));
  emit thresholdChanged(threshold);
}

void DetectionList::setHighlighted(int index) {
  const QSignalBlocker block(tree_);
  tree_->setCurrentItem(index >= 0 ? tree_->topLevelItem(index) : nullptr);
}

void DetectionList::setMergeOverlaps(bool merge) { merge_->setChecked(merge); }

bool DetectionList::mergeOverlaps() const { return merge_->isChecked(); }

int DetectionList::count() const { return tree_->topLevelItemCount(); }

}  // namespace vitlens::gui
