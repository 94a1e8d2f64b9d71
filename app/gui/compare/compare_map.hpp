#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <QString>
#include <opencv2/core.hpp>

#include "inference/inference_result.hpp"
#include "inference/inference_run.hpp"
#include "panels/attention_settings.hpp"

namespace vitlens::gui {

// One side of the compare view, computed: the map its settings show laid over the image.
struct CompareMap {
  AttentionSettings settings;
  // The run the map came from: a known one, or a run of its own when none held what the
  // settings need (another class's relevance, a rollout or patch row of a large input).
  std::shared_ptr<const InferenceResult> result;
  cv::Mat map;       // over the patch grid, CV_32F (for PCA features the first component)
  cv::Mat overlay;   // 8-bit RGB at the image's size, blended with the settings' opacity
  QString caption;   // what it shows: describe(settings), and the class it explains
  std::optional<AttentionShare> share;  // raw attention: where the row goes (the panel's "Goes to")
  QString error;     // why there is no map; empty when there is one
};

// Computes the map of `settings` from the first of `known` (runs of one image) that holds
// what it needs, else runs the image again on `session` with `request` (its input size and
// budget) plus what the settings need. Blocking, for a worker thread; never throws: a
// failure is the result's error.
CompareMap compute_compare_map(const std::vector<std::shared_ptr<const InferenceResult>>& known, const AttentionSettings& settings,
                               Session& session, const RunRequest& request);

// The two maps side by side under their captions (vitlens::captioned_row), 8-bit RGB: what
// the compare view exports. Throws vitlens::Error when either has no map.
cv::Mat compare_pair_image(const CompareMap& left, const CompareMap& right);

}  // namespace vitlens::gui
