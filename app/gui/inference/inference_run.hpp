#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <QString>
#include <opencv2/core.hpp>

#include "inference/inference_result.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/image/input_size.hpp"

namespace vitlens::gui {

// What a run may keep of the attention unless the user chose another budget (Model >
// Attention Memory Budget): every row of a large input does not fit in memory (YOLOS at 800
// pixels has ~2,600 tokens: 12 x 12 x 2,600^2 floats = 3.9 GB).
inline constexpr double kDefaultAttentionBudgetBytes = 1024.0 * 1024 * 1024;

// What a run computes besides the forward pass.
struct RunRequest {
  std::vector<QueryToken> queries;  // tokens whose rows are kept even when not every row is
  // The rollout these settings show, accumulated layer by layer when not every row is kept
  // (it needs every row of every layer); ignored when every row is kept.
  std::optional<AttentionSettings> rollout;
  double budget_bytes = kDefaultAttentionBudgetBytes;
  InputOptions input;
  // Relevance, Grad-CAM: the settings (query, class) whose explanation to compute.
  std::optional<AttentionSettings> explain;
};

// Runs one decoded image through a session and keeps what the GUI shows: the whole
// attention when it fits in the request's budget, else only the rows of the prefix,
// detection and requested tokens, plus the requested rollout when one layer's rows fit the
// budget. The image is pre-processed for the request's input (input_plan). Blocking; throws
// vitlens::Error. Shared by the window's worker, live mode and batch export.
std::shared_ptr<const InferenceResult> run_inference(const std::shared_ptr<const Model>& model, Session& session,
                                                     const QString& path, const cv::Mat& rgb,
                                                     const RunRequest& request = {});

// The settings when they show a rollout (a RunRequest's rollout), else none.
std::optional<AttentionSettings> rollout_of(const AttentionSettings& settings);

// Whether rollout settings were computed for `settings`: same query, head, fusion, discard.
// The settings when they show relevance or Grad-CAM (a RunRequest's explain), else none.
std::optional<AttentionSettings> explanation_of(const AttentionSettings& settings);
bool same_explanation(const AttentionSettings& a, const AttentionSettings& b);
bool same_rollout(const AttentionSettings& computed, const AttentionSettings& settings);

}  // namespace vitlens::gui
