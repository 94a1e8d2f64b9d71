#include "vitlens/detection/postprocess.hpp"

#include <algorithm>
#include <cmath>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

void check_outputs(const ForwardOutput& output) {
  const Tensor& logits = output.detection_logits;
  const Tensor& boxes = output.detection_boxes;
  if (logits.rank() != 2 || logits.dim(1) < 2 || boxes.rank() != 2 || boxes.dim(1) != 4 || boxes.dim(0) != logits.dim(0))
    throw Error("detection: the forward pass has no detection outputs (logits " + shape_string(logits.shape) +
                ", boxes " + shape_string(boxes.shape) + "); is the model a YOLOS detector?");
}

// The best real class of one token and its probability, softmax taken over all columns.
std::pair<int, float> best_class(const float* logits, int64_t columns) {
  const float peak = *std::max_element(logits, logits + columns);
  double total = 0;
  for (int64_t c = 0; c < columns; ++c) total += std::exp(static_cast<double>(logits[c]) - peak);
  const auto best = std::max_element(logits, logits + columns - 1) - logits;
  return {static_cast<int>(best), static_cast<float>(std::exp(static_cast<double>(logits[best]) - peak) / total)};
}

std::vector<Detection> per_class_nms(std::vector<Detection> found, float iou_threshold) {
  std::vector<size_t> order(found.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return found[a].score > found[b].score; });
  std::vector<bool> dropped(found.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    if (dropped[order[i]]) continue;
    for (size_t j = i + 1; j < order.size(); ++j) {
      const Detection& kept = found[order[i]];
      const Detection& other = found[order[j]];
      if (!dropped[order[j]] && other.label_id == kept.label_id && box_iou(kept.box, other.box) > iou_threshold)
        dropped[order[j]] = true;
    }
  }
  std::vector<Detection> kept;
  for (size_t i = 0; i < found.size(); ++i)
    if (!dropped[i]) kept.push_back(std::move(found[i]));
  return kept;
}

}  // namespace

float box_iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float overlap = (a & b).area();
  const float united = a.area() + b.area() - overlap;
  return united > 0 ? overlap / united : 0.0f;
}

std::vector<Detection> detect_objects(const ForwardOutput& output, const std::vector<std::string>& labels,
                                      cv::Size image_size, const DetectionOptions& options) {
  check_outputs(output);
  const int64_t tokens = output.detection_logits.dim(0), columns = output.detection_logits.dim(1);
  const auto width = static_cast<float>(image_size.width), height = static_cast<float>(image_size.height);
  std::vector<Detection> found;
  for (int64_t t = 0; t < tokens; ++t) {
    const auto [label_id, score] = best_class(output.detection_logits.ptr() + t * columns, columns);
    if (!(score > options.threshold)) continue;
    const float* b = output.detection_boxes.ptr() + t * 4;
    // transformers' center_to_corners_format, then a scale by (w, h, w, h).
    const float x0 = (b[0] - 0.5f * b[2]) * width, y0 = (b[1] - 0.5f * b[3]) * height;
    const float x1 = (b[0] + 0.5f * b[2]) * width, y1 = (b[1] + 0.5f * b[3]) * height;
    Detection d;
    d.token = static_cast<int>(t);
    d.label_id = label_id;
    d.label = label_id < static_cast<int>(labels.size()) ? labels[label_id] : "LABEL_" + std::to_string(label_id);
    d.score = score;
    d.box = cv::Rect2f(x0, y0, x1 - x0, y1 - y0);
    found.push_back(std::move(d));
  }
  return options.nms_iou > 0 ? per_class_nms(std::move(found), options.nms_iou) : found;
}

}  // namespace vitlens
