#pragma once
#include <cstdint>
#include <vector>

namespace vitlens {

// Classification results counted by (true class, predicted class): top-1 accuracy and
// per-class recall come from it.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);

  // Throws vitlens::Error when a class index is outside [0, num_classes).
  void add(int truth, int predicted);

  int num_classes() const { return classes_; }
  int64_t count(int truth, int predicted) const;
  int64_t total() const { return total_; }
  int64_t correct() const;
  int64_t class_total(int truth) const;
  double accuracy() const;            // correct / total; 0 when empty
  double recall(int truth) const;     // diagonal / row total; 0 for a class never seen

 private:
  int index(int truth, int predicted) const;

  int classes_;
  std::vector<int64_t> counts_;  // row = truth, column = prediction
  int64_t total_ = 0;
};

}  // namespace vitlens
