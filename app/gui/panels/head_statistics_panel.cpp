#include "panels/head_statistics_panel.hpp"

#include <QImage>
#include <QMouseEvent>
#include <QPainter>

namespace vitlens::gui {

HeadStatisticsPanel::HeadStatisticsPanel(QWidget* parent) : QWidget(parent), message_(tr("No result yet")) {
  setMinimumSize(240, 180);
  setToolTip(tr("Mean attention distance of each head by layer (ViT paper, Figure 7); click a dot to show that head"));
}

void HeadStatisticsPanel::setResult(const std::shared_ptr<const InferenceResult>& result) {
  statistics_.reset();
  message_.clear();
  result_ = result && result->all_rows ? result : nullptr;
  if (!result)
    message_ = tr("No result yet");
  else if (!result->all_rows)
    message_ = tr("Head statistics need every attention row; this input is over the attention memory budget (Model menu)");
  update();
}

const std::optional<HeadStatistics>& HeadStatisticsPanel::statistics() const {
  if (!statistics_ && result_) {
    const VitConfig& c = result_->model->config;
    HeadStatisticsAccumulator accumulator(c.num_layers, c.num_heads, c.patch_size);
    accumulator.add(result_->output, result_->layout);
    statistics_ = accumulator.result();
  }
  return statistics_;
}

void HeadStatisticsPanel::setHighlight(int layer, int head) {
  highlight_ = {layer, head};
  update();
}

QRect HeadStatisticsPanel::plotRect() const { return rect().adjusted(4, 4, -4, -4); }

void HeadStatisticsPanel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  const QRect area = plotRect();
  if (!statistics() || area.width() < 16 || area.height() < 16) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, message_);
    return;
  }
  const cv::Mat plot = plot_attention_distance(*statistics_, cv::Size(area.width(), area.height()), highlight_);
  const QImage image(plot.data, plot.cols, plot.rows, static_cast<int>(plot.step), QImage::Format_RGB888);
  painter.drawImage(area.topLeft(), image);
}

void HeadStatisticsPanel::mousePressEvent(QMouseEvent* event) {
  if (!statistics()) return;
  const QRect area = plotRect();
  const QPoint at = event->position().toPoint() - area.topLeft();
  const cv::Point dot = attention_distance_dot_at(*statistics_, cv::Size(area.width(), area.height()), {at.x(), at.y()});
  if (dot.x >= 0) emit headClicked(dot.x, dot.y);
}

}  // namespace vitlens::gui
