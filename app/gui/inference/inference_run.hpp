#pragma once
#include <memory>
#include <vector>

#include <QString>
#include <opencv2/core.hpp>

#include "inference/inference_result.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/image/input_size.hpp"

namespace vitlens::gui {

// Every attention row of a large input does not fit in memory (YOLOS at 800 pixels has
// ~2,600 tokens: 12 x 12 x 2,600^2 floats = 3.9 GB).
inline constexpr double kAllRowsBudgetBytes = 256.0 * 1024 * 1024;

// Runs one decoded image through a session and keeps what the GUI shows: the whole
// attention when it fits in `budget_bytes`, else only the rows of the prefix, detection and
// `queries` tokens. The image is pre-processed for `input` (input_plan). Blocking; throws
// vitlens::Error. Shared by the window's worker and batch export.
std::shared_ptr<const InferenceResult> run_inference(const std::shared_ptr<const Model>& model, Session& session,
                                                     const QString& path, const cv::Mat& rgb,
                                                     const std::vector<QueryToken>& queries = {},
                                                     double budget_bytes = kAllRowsBudgetBytes,
                                                     const InputOptions& input = {});

}  // namespace vitlens::gui
