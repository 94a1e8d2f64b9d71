#pragma once
#include <memory>
#include <optional>

#include <QImage>
#include <QObject>
#include <opencv2/core.hpp>

#include "inference/attention_analysis.hpp"
#include "panels/attention_settings.hpp"

namespace vitlens::gui {

class AttentionPanel;
class HeadGridPanel;
class ImageCanvas;

// Keeps the canvas's heatmap layer and the head grid in step with the attention panel for
// the current result: every change of the controls re-renders from the stored attention,
// and a grid click sets the controls. Unchanged maps are not recomputed (opacity and
// visibility are the canvas's alone).
class AttentionView : public QObject {
  Q_OBJECT

 public:
  AttentionView(AttentionPanel* panel, ImageCanvas* canvas, HeadGridPanel* grid, QObject* parent = nullptr);

  // A new result (or none), shown with the panel's settings.
  void setResult(std::shared_ptr<const InferenceResult> result);
  // The grid is drawn only while it can be seen.
  void setGridShown(bool shown);

  const AttentionAnalysis* analysis() const { return analysis_ ? &*analysis_ : nullptr; }
  const cv::Mat& map() const { return map_; }  // the map shown, over the patch grid; empty for none
  const QImage& heatmap() const { return heatmap_; }

 signals:
  // What the settings show was not kept for this large input (the query's attention row,
  // or the rollout for these settings): run the image again for them (asked once per result).
  void runNeeded(const AttentionSettings& settings);

 private:
  void render();
  void renderGrid();
  void showUnavailable(const QString& why);
  void cellClicked(int row, int column);
  int gridColumn(const AttentionSettings& settings) const;

  AttentionPanel* panel_;
  ImageCanvas* canvas_;
  HeadGridPanel* grid_;
  bool grid_shown_ = false;
  std::shared_ptr<const InferenceResult> result_;
  std::optional<AttentionAnalysis> analysis_;
  cv::Mat map_;
  QImage heatmap_;
  std::optional<AttentionSettings> heatmap_settings_;  // what heatmap_ was drawn for
  std::optional<AttentionSettings> grid_settings_;     // what the grid was drawn for
  bool asked_for_run_ = false;
};

}  // namespace vitlens::gui
