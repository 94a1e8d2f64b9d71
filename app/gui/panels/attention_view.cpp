#include "panels/attention_view.hpp"

#include "canvas/image_canvas.hpp"
#include "canvas/image_conversion.hpp"
#include "canvas/patch_geometry.hpp"
#include "panels/attention_panel.hpp"
#include "panels/head_grid_panel.hpp"

namespace vitlens::gui {

namespace {

// The canvas's heatmap layer is drawn over the whole image, so it needs no more pixels than
// a screen shows; exports render at the image's own size.
constexpr int kDisplayHeatmapSide = 1600;
constexpr int kGridCell = 128;  // enough pixels for a cell enlarged in the grid window
constexpr double kGridOpacity = 0.6;

cv::Size display_size(cv::Size image) {
  const double scale = std::min(1.0, double(kDisplayHeatmapSide) / std::max(image.width, image.height));
  return {std::max(1, int(image.width * scale)), std::max(1, int(image.height * scale))};
}

}  // namespace

AttentionView::AttentionView(AttentionPanel* panel, ImageCanvas* canvas, HeadGridPanel* grid, QObject* parent)
    : QObject(parent), panel_(panel), canvas_(canvas), grid_(grid) {
  connect(panel_, &AttentionPanel::settingsChanged, this, &AttentionView::render);
  connect(grid_, &HeadGridPanel::cellClicked, this, &AttentionView::cellClicked);
}

void AttentionView::setResult(std::shared_ptr<const InferenceResult> result) {
  result_ = std::move(result);
  analysis_.reset();
  if (result_) analysis_.emplace(result_);
  map_ = cv::Mat();
  heatmap_ = {};
  heatmap_settings_.reset();
  grid_settings_.reset();
  asked_for_run_ = false;
  render();
}

void AttentionView::setGridShown(bool shown) {
  grid_shown_ = shown;
  renderGrid();
}

void AttentionView::render() {
  if (!analysis_) return;
  const AttentionSettings s = panel_->settings();
  canvas_->setHeatmapOpacity(s.opacity);
  canvas_->setHeatmapVisible(s.visible);
  canvas_->setMarker(s.query.kind == QueryToken::Kind::Patch ? patch_rect(*result_, s.query.index, s.query.column) : QRectF());
  AttentionSettings map_settings = s;
  map_settings.opacity = 0;
  map_settings.visible = true;
  if (heatmap_settings_ == map_settings) return;
  heatmap_settings_ = map_settings;
  if (const QString why = analysis_->unavailable(s); !why.isEmpty()) {
    if (analysis_->needsRun(s) && !asked_for_run_) {
      asked_for_run_ = true;
      panel_->setNote(needs_gradients(s.method)       ? tr("Running the backward pass for this class...")
                      : s.method == AttentionMethod::Rollout ? tr("Running the model again to roll out its attention...")
                                                             : tr("Running the model again to keep this token's attention..."));
      emit runNeeded(s);
      return;
    }
    showUnavailable(why);
    return;
  }
  panel_->setNote({});
  try {
    map_ = analysis_->map(s);
    panel_->setShare(analysis_->share(s));
    if (const QString explained = analysis_->explained_class(s); !explained.isEmpty()) panel_->setNote(tr("Explains %1").arg(explained));
    heatmap_ = to_qimage(analysis_->layer(map_, s, display_size(result_->rgb.size())));
    panel_->setRange(value_range(map_));
  } catch (const std::exception& e) {
    map_ = cv::Mat();
    heatmap_ = {};
    panel_->setNote(QString::fromStdString(e.what()));
  }
  canvas_->setHeatmap(heatmap_);
  renderGrid();
  grid_->setSelectedCell(s.layer, gridColumn(s));
}

void AttentionView::showUnavailable(const QString& why) {
  panel_->setNote(why);
  panel_->setShare(std::nullopt);
  map_ = cv::Mat();
  heatmap_ = {};
  canvas_->setHeatmap({});
  grid_->setMessage(why);
  grid_settings_.reset();
}

void AttentionView::renderGrid() {
  if (!analysis_ || !grid_shown_) return;
  AttentionSettings s = panel_->settings();
  if (!analysis_->unavailable(s).isEmpty()) return;
  // Layer and head pick a cell, not the grid; the cells keep one opacity so the opacity
  // slider stays instant. Redraw only for what changes the cells.
  s.layer = 0;
  s.head = -1;
  s.opacity = kGridOpacity;
  s.visible = true;
  if (grid_settings_ == s) return;
  try {
    const AttentionGrid grid = analysis_->grid(s, kGridCell);
    std::vector<std::vector<QRect>> cells;
    for (const auto& row : grid.cells) {
      cells.emplace_back();
      for (const cv::Rect& c : row) cells.back().emplace_back(c.x, c.y, c.width, c.height);
    }
    QStringList rows, columns;
    for (const std::string& l : grid.row_labels) rows << QString::fromStdString(l);
    for (const std::string& l : grid.column_labels) columns << QString::fromStdString(l);
    grid_->setGrid(to_qimage(grid.image), cells, rows, columns);
    grid_settings_ = s;
  } catch (const std::exception& e) {
    grid_->setMessage(QString::fromStdString(e.what()));
  }
}

int AttentionView::gridColumn(const AttentionSettings& s) const {
  const int heads = result_->model->config.num_heads;
  if (s.head >= 0) return s.head;
  // The fused column, or the rollout column after it (the grid's rollout fuses every head).
  return s.method == AttentionMethod::Rollout ? heads + 1 : heads;
}

void AttentionView::cellClicked(int row, int column) {
  if (!result_) return;
  AttentionSettings s = panel_->settings();
  const int heads = result_->model->config.num_heads;
  s.layer = row;
  s.head = column < heads ? column : -1;
  if (column == heads + 1)
    s.method = AttentionMethod::Rollout;
  else if (s.method == AttentionMethod::Rollout)
    s.method = AttentionMethod::Raw;
  panel_->setSettings(s);
}

}  // namespace vitlens::gui
