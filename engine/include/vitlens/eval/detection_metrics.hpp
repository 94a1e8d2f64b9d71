#pragma once
#include <array>
#include <vector>

namespace vitlens {

// An axis-aligned box in pixels: x0, y0 inclusive corner; x1, y1 exclusive (width = x1 - x0).
struct PixelBox {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// COCO's box IoU: intersection over union of the areas; 0 when the union is empty.
double coco_iou(const PixelBox& a, const PixelBox& b);

struct TruthBox {
  int label = 0;
  PixelBox box;
};

struct ScoredBox {
  int label = 0;
  double score = 0;
  PixelBox box;
};

// Average precision per class and its mean, as COCO (pycocotools COCOeval, bbox, area "all",
// no crowd regions) defines them.
struct DetectionSummary {
  static constexpr int kIouThresholds = 10;  // 0.50, 0.55, ..., 0.95
  // Per class, NaN for a class without ground truth (left out of the means, as COCO does).
  std::vector<double> ap50;     // AP at IoU 0.50
  std::vector<double> ap50_95;  // mean of the AP at the ten thresholds
  std::vector<int> class_objects;  // ground-truth objects per class
  double map50 = 0;             // mean over classes with ground truth
  double map50_95 = 0;
  int images = 0;
  int objects = 0;
  int detections = 0;
};

// Accumulates images and computes COCO-style AP: within an image and class, detections in
// descending score order (at most 100) each take the unmatched ground truth of highest IoU,
// if that IoU reaches the threshold; across images, detections of a class are ranked by
// score (stable, image order breaking ties), precision is made non-increasing from the right
// and sampled at the 101 recall points 0, 0.01, ..., 1 (0 beyond the highest recall reached),
// and AP is the mean of the samples.
class DetectionEvaluator {
 public:
  explicit DetectionEvaluator(int num_classes);

  // Throws vitlens::Error when a label is outside [0, num_classes).
  void add_image(const std::vector<TruthBox>& truth, const std::vector<ScoredBox>& detections);
  DetectionSummary summary() const;

 private:
  // One detection's outcome at every IoU threshold, with its score and the order it came in.
  struct Outcome {
    double score;
    std::array<bool, DetectionSummary::kIouThresholds> true_positive;
  };

  void check_label(int label) const;
  double average_precision(int label, int threshold) const;

  int classes_;
  int images_ = 0;
  int detections_ = 0;
  std::vector<int> truth_count_;               // per class
  std::vector<std::vector<Outcome>> outcomes_;  // per class, in image order, score order within
};

// COCO's 101 recall points and ten IoU thresholds, computed as numpy.linspace does.
double coco_recall_point(int i);
double coco_iou_threshold(int i);

}  // namespace vitlens
