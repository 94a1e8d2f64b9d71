#include "inference/inference_run.hpp"

#include <algorithm>

#include "vitlens/analysis/maps.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/preprocess.hpp"

namespace vitlens::gui {

namespace {

double all_rows_bytes(const Model& model, const TokenLayout& layout) {
  const double tokens = layout.tokens();
  return 4.0 * model.config.num_layers * model.config.num_heads * tokens * tokens;
}

AttentionRequest some_rows(const TokenLayout& layout, const std::vector<QueryToken>& queries) {
  std::vector<int> rows;
  for (int t = 0; t < layout.prefix; ++t) rows.push_back(t);
  for (int t = layout.first_suffix(); t < layout.tokens(); ++t) rows.push_back(t);
  for (const QueryToken& q : queries) rows.push_back(q.resolve(layout));
  return attention_request(rows);
}

}  // namespace

std::shared_ptr<const InferenceResult> run_inference(const std::shared_ptr<const Model>& model, Session& session,
                                                     const QString& path, const cv::Mat& rgb,
                                                     const std::vector<QueryToken>& queries, double budget_bytes,
                                                     const InputOptions& input) {
  auto result = std::make_shared<InferenceResult>();
  result->image_path = path;
  result->model = model;
  result->rgb = rgb;
  const InputPlan plan = input_plan(*model, rgb.size(), input);
  result->preprocess = plan.preprocess;
  const Tensor pixels = preprocess(rgb, plan.preprocess);
  result->input_size = plan.input;
  result->layout = token_layout(model->config, result->input_size.height, result->input_size.width);
  result->all_rows = all_rows_bytes(*model, result->layout) <= budget_bytes;
  result->output = session.run(pixels, result->all_rows ? AttentionRequest::all() : some_rows(result->layout, queries));
  if (model->has_classifier())
    result->predictions = top_k(result->output.logits, model->labels, std::min(5, model->config.num_classes));
  return result;
}

}  // namespace vitlens::gui
