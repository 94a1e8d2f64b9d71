#pragma once
#include <memory>
#include <optional>

#include <QWidget>

#include "inference/inference_result.hpp"
#include "vitlens/analysis/head_statistics.hpp"

namespace vitlens::gui {

// The ViT paper's Figure 7 for the current image: each head's mean attention distance by
// layer (the engine's HeadStatistics and plot). The shown layer and head are circled; a click
// on a dot selects that layer and head.
class HeadStatisticsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit HeadStatisticsPanel(QWidget* parent = nullptr);

  // The statistics come from the result's attention, computed when first asked for (shown),
  // so a hidden dock costs live mode nothing; a result without every row (an input over the
  // memory budget) shows why instead.
  void setResult(const std::shared_ptr<const InferenceResult>& result);
  void setHighlight(int layer, int head);
  const std::optional<HeadStatistics>& statistics() const;
  const QString& message() const { return message_; }

 signals:
  void headClicked(int layer, int head);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QRect plotRect() const;

  std::shared_ptr<const InferenceResult> result_;
  mutable std::optional<HeadStatistics> statistics_;
  QString message_;
  cv::Point highlight_{-1, -1};
};

}  // namespace vitlens::gui
