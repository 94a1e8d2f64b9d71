#include "vitlens/eval/detection_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr int kRecallPoints = 101;
constexpr size_t kMaxDetectionsPerImage = 100;

double area(const PixelBox& b) { return std::max(0.0, b.x1 - b.x0) * std::max(0.0, b.y1 - b.y0); }

// The detections of one class in one image, highest score first (stable), COCO's top 100.
std::vector<const ScoredBox*> ranked(const std::vector<ScoredBox>& detections, int label) {
  std::vector<const ScoredBox*> mine;
  for (const ScoredBox& d : detections)
    if (d.label == label) mine.push_back(&d);
  std::stable_sort(mine.begin(), mine.end(), [](const ScoredBox* a, const ScoredBox* b) { return a->score > b->score; });
  if (mine.size() > kMaxDetectionsPerImage) mine.resize(kMaxDetectionsPerImage);
  return mine;
}

// Greedy matching at one IoU threshold: each detection takes the still unmatched ground
// truth with the highest IoU >= threshold (the last such on ties, as COCOeval's loop does).
std::vector<bool> match(const std::vector<std::vector<double>>& ious, size_t truths, double threshold) {
  std::vector<bool> taken(truths, false), hits(ious.size(), false);
  for (size_t d = 0; d < ious.size(); ++d) {
    double best = std::min(threshold, 1.0 - 1e-10);
    int chosen = -1;
    for (size_t g = 0; g < truths; ++g) {
      if (taken[g] || ious[d][g] < best) continue;
      best = ious[d][g];
      chosen = static_cast<int>(g);
    }
    if (chosen < 0) continue;
    taken[static_cast<size_t>(chosen)] = true;
    hits[d] = true;
  }
  return hits;
}

double mean_over_present(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values)
    if (!std::isnan(v)) sum += v, ++n;
  return n ? sum / n : 0.0;
}

}  // namespace

double coco_iou(const PixelBox& a, const PixelBox& b) {
  const double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  const double h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  const double overlap = w > 0 && h > 0 ? w * h : 0.0;
  const double united = area(a) + area(b) - overlap;
  return united > 0 ? overlap / united : 0.0;
}

double coco_recall_point(int i) { return i == kRecallPoints - 1 ? 1.0 : i * (1.0 / (kRecallPoints - 1)); }

double coco_iou_threshold(int i) {
  constexpr int last = DetectionSummary::kIouThresholds - 1;
  return i == last ? 0.95 : i * (0.45 / last) + 0.5;
}

DetectionEvaluator::DetectionEvaluator(int num_classes) : classes_(num_classes) {
  if (num_classes <= 0) throw Error("detection metrics need at least one class, not " + std::to_string(num_classes));
  truth_count_.assign(static_cast<size_t>(num_classes), 0);
  outcomes_.resize(static_cast<size_t>(num_classes));
}

void DetectionEvaluator::check_label(int label) const {
  if (label < 0 || label >= classes_)
    throw Error("detection metrics: class " + std::to_string(label) + " is outside the " + std::to_string(classes_) + " classes");
}

void DetectionEvaluator::add_image(const std::vector<TruthBox>& truth, const std::vector<ScoredBox>& detections) {
  for (const TruthBox& t : truth) check_label(t.label);
  for (const ScoredBox& d : detections) check_label(d.label);
  ++images_;
  detections_ += static_cast<int>(detections.size());
  for (int label = 0; label < classes_; ++label) {
    std::vector<const PixelBox*> mine;
    for (const TruthBox& t : truth)
      if (t.label == label) mine.push_back(&t.box);
    truth_count_[static_cast<size_t>(label)] += static_cast<int>(mine.size());
    const std::vector<const ScoredBox*> found = ranked(detections, label);
    std::vector<std::vector<double>> ious(found.size(), std::vector<double>(mine.size()));
    for (size_t d = 0; d < found.size(); ++d)
      for (size_t g = 0; g < mine.size(); ++g) ious[d][g] = coco_iou(found[d]->box, *mine[g]);
    std::vector<Outcome> outcomes(found.size());
    for (size_t d = 0; d < found.size(); ++d) outcomes[d].score = found[d]->score;
    for (int t = 0; t < DetectionSummary::kIouThresholds; ++t) {
      const std::vector<bool> hits = match(ious, mine.size(), coco_iou_threshold(t));
      for (size_t d = 0; d < found.size(); ++d) outcomes[d].true_positive[static_cast<size_t>(t)] = hits[d];
    }
    auto& all = outcomes_[static_cast<size_t>(label)];
    all.insert(all.end(), outcomes.begin(), outcomes.end());
  }
}

double DetectionEvaluator::average_precision(int label, int threshold) const {
  const int truths = truth_count_[static_cast<size_t>(label)];
  std::vector<Outcome> ranked_outcomes = outcomes_[static_cast<size_t>(label)];
  std::stable_sort(ranked_outcomes.begin(), ranked_outcomes.end(), [](const Outcome& a, const Outcome& b) { return a.score > b.score; });
  const size_t n = ranked_outcomes.size();
  std::vector<double> recall(n), precision(n);
  double tp = 0, fp = 0;
  for (size_t i = 0; i < n; ++i) {
    (ranked_outcomes[i].true_positive[static_cast<size_t>(threshold)] ? tp : fp) += 1;
    recall[i] = tp / truths;
    precision[i] = tp / (tp + fp + std::numeric_limits<double>::epsilon());
  }
  for (size_t i = n; i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
  double sum = 0;
  for (int r = 0; r < kRecallPoints; ++r) {
    // numpy.searchsorted(recall, point, side="left"): the first recall >= point.
    const auto at = std::lower_bound(recall.begin(), recall.end(), coco_recall_point(r)) - recall.begin();
    if (static_cast<size_t>(at) < n) sum += precision[static_cast<size_t>(at)];
  }
  return sum / kRecallPoints;
}

DetectionSummary DetectionEvaluator::summary() const {
  DetectionSummary s;
  s.images = images_;
  s.detections = detections_;
  s.class_objects = truth_count_;
  s.objects = std::accumulate(truth_count_.begin(), truth_count_.end(), 0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int label = 0; label < classes_; ++label) {
    if (truth_count_[static_cast<size_t>(label)] == 0) {
      s.ap50.push_back(nan);
      s.ap50_95.push_back(nan);
      continue;
    }
    double sum = 0;
    for (int t = 0; t < DetectionSummary::kIouThresholds; ++t) sum += average_precision(label, t);
    s.ap50.push_back(average_precision(label, 0));
    s.ap50_95.push_back(sum / DetectionSummary::kIouThresholds);
  }
  s.map50 = mean_over_present(s.ap50);
  s.map50_95 = mean_over_present(s.ap50_95);
  return s;
}

}  // namespace vitlens
