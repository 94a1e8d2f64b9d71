#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <QString>
#include <opencv2/core.hpp>

#include "panels/attention_settings.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/model/model.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens::gui {

// Everything one forward pass of one image produced, kept so that every attention setting
// can be shown again without running the model.
struct InferenceResult {
  QString image_path;
  std::shared_ptr<const Model> model;
  cv::Mat rgb;  // the decoded image, 8-bit RGB
  PreprocessConfig preprocess;  // how rgb became the model input (the input size chosen)
  cv::Size input_size;
  TokenLayout layout;
  ForwardOutput output;
  std::vector<Prediction> predictions;  // classifiers: most probable first
  // output.attention holds every query row, so any query token and rollout are available;
  // otherwise only the rows of attention_queries (the input was too large to keep them all).
  bool all_rows = false;
  // Without every row: the rollout one setting shows, accumulated while the forward pass
  // streamed its layers, for every layer; `fused` is the head fusion's rollout (the grid's
  // column), the same maps when the settings already fuse every head.
  struct StreamedRollout {
    AttentionSettings settings;  // its query, head, fusion and discard
    AttentionMaps selected;
    AttentionMaps fused;
  };
  std::optional<StreamedRollout> rollout;
  QString rollout_unavailable;  // why a rollout that was asked for was not computed
  // Relevance and Grad-CAM: the backward pass for one query and class (RunRequest::explain),
  // or why it could not be made.
  struct Explained {
    AttentionSettings settings;  // its query and target class
    LogitTarget target;
    std::shared_ptr<const Explanation> explanation;  // null when it failed
    QString error;
  };
  std::optional<Explained> explained;
};

}  // namespace vitlens::gui
