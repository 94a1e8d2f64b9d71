#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/backend/forward.hpp"

namespace vitlens {

// One detection token's prediction, in pixels of the original image.
struct Detection {
  int token = 0;     // index of the detection token (0 .. num_detection_tokens - 1)
  int label_id = 0;  // class id (index into the model's labels)
  std::string label;
  float score = 0;   // softmax probability of label_id over all classes and "no object"
  cv::Rect2f box;    // x0, y0 = top left; width, height; not clipped to the image
};

struct DetectionOptions {
  // Keep detections whose score is strictly above this; 0 keeps every token. 0.5 is the
  // default of transformers' object-detection pipeline and post_process_object_detection.
  float threshold = 0.5f;
  // Per-class non-maximum suppression IoU threshold; <= 0 disables it (the reference has none).
  float nms_iou = 0.0f;
};

// The post-processing of transformers' post_process_object_detection: softmax over every
// class and "no object", drop the "no object" column, the best class and its probability per
// token, keep score > threshold, boxes from relative (cx, cy, w, h) to corners in pixels of
// an image_size image (the original image, before pre-processing). Then optionally per-class
// NMS. Results are in token order (NMS keeps that order). Throws vitlens::Error when the
// outputs are not a detector's.
std::vector<Detection> detect_objects(const ForwardOutput& output, const std::vector<std::string>& labels,
                                      cv::Size image_size, const DetectionOptions& options = {});

// Intersection over union of two boxes; 0 when both are empty.
float box_iou(const cv::Rect2f& a, const cv::Rect2f& b);

// COCO's 91 category ids as DETR and YOLOS number them: 80 names and 11 unused ids named
// "N/A" (0, 12, 26, 29, 30, 45, 66, 68, 69, 71, 83), the id2label of the hustvl/yolos configs.
// A YOLOS model with 91 classes and no id2label gets these; resources/labels/coco91.txt holds
// the same list, one name a line.
const std::vector<std::string>& coco91_labels();

}  // namespace vitlens
