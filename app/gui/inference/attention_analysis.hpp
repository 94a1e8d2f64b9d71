#pragma once
#include <memory>

#include <opencv2/core.hpp>

#include "inference/inference_result.hpp"
#include "panels/attention_settings.hpp"
#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/grid.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/sidecar.hpp"

namespace vitlens::gui {

// The maps the attention controls ask for, computed by the engine from one stored forward
// pass: the GUI's only route to attention analysis and rendering.
class AttentionAnalysis {
 public:
  explicit AttentionAnalysis(std::shared_ptr<const InferenceResult> result);

  const InferenceResult& result() const { return *result_; }

  // Empty when the stored attention can show `settings`; otherwise why not (the query's row
  // was not kept, or rollout needs every row), for the user.
  QString unavailable(const AttentionSettings& settings) const;
  // What the settings need was left out because the input was large (the query's row, or
  // the rollout for these settings); running the image again for these settings
  // (RunRequest's queries and rollout) makes it available.
  bool needsRun(const AttentionSettings& settings) const;

  // The selected map over the patch grid (CV_32F grid_h x grid_w); for PCA features the
  // first component (the one the foreground threshold reads). Throws vitlens::Error.
  cv::Mat map(const AttentionSettings& settings) const;
  // The selected map coloured and laid over the original image's geometry, at `output`
  // size (the image size or a proportional reduction): 8-bit RGB. The colormap spans the
  // map's own minimum to maximum; PCA features are their three components as red, green
  // and blue (pca_picture).
  cv::Mat heatmap(const AttentionSettings& settings, cv::Size output) const;
  // A map already computed with map() as the canvas's layer: heatmap's colours with an
  // alpha channel from the settings' blend (8-bit RGBA; the canvas applies the opacity).
  // PCA colours cover their patches whole and leave the background outside the foreground
  // clear, whatever the blend.
  cv::Mat layer(const cv::Mat& map, const AttentionSettings& settings, cv::Size output) const;
  // heatmap at the image's size blended over the image with the settings' opacity and blend.
  cv::Mat overlay(const AttentionSettings& settings) const;
  // Every layer and head of the method for the settings' query: what the .npy export holds.
  AttentionMaps stack(const AttentionSettings& settings) const;
  // The layers x heads montage (then the head fusion, then the rollout for that method).
  AttentionGrid grid(const AttentionSettings& settings, int cell_size) const;
  SidecarContext sidecar_context(const AttentionSettings& settings, const std::string& npy_name) const;
  // How the selected raw attention row splits between prefix tokens and patches (none for
  // rollout, which is not one row of one layer).
  std::optional<AttentionShare> share(const AttentionSettings& settings) const;
  // Relevance, Grad-CAM: "class 3, red fox", the class the shown map explains (empty otherwise).
  QString explained_class(const AttentionSettings& settings) const;

 private:
  MapSelection selection(const AttentionSettings& settings, bool all_layers, bool per_head) const;
  // Raw attention maps of the selection; the probe's come from SigLIP's pooling head.
  AttentionMaps raw(const MapSelection& selection) const;
  // The relevance or Grad-CAM map of the settings from the stored explanation.
  AttentionMaps explained(const AttentionSettings& settings) const;
  // The query patch's feature similarity to every patch, as one map.
  AttentionMaps similarity(const AttentionSettings& settings) const;
  // The projections on the first three principal components of the final patch features
  // [grid_h, grid_w, 3], of the foreground only when the settings ask for it (`keep`).
  Tensor pca(const AttentionSettings& settings, cv::Mat* keep = nullptr) const;
  AttentionMaps pca_components(const AttentionSettings& settings) const;
  // Colours at `output` size and their alpha values in [0, 1] (CV_32F): what heatmap and
  // layer draw.
  std::pair<cv::Mat, cv::Mat> colours(const cv::Mat& map, const AttentionSettings& settings, cv::Size output) const;
  // The rollout of every layer for the settings: from every row, or the streamed one.
  AttentionMaps rollout(const AttentionSettings& settings, bool fused) const;
  // A map normalised to [0, 1] and placed over the image's geometry at `output` size.
  cv::Mat unit(const cv::Mat& map, cv::Size output) const;

  std::shared_ptr<const InferenceResult> result_;
};

}  // namespace vitlens::gui
