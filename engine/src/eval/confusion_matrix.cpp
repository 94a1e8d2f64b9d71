#include "vitlens/eval/confusion_matrix.hpp"

#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens {

ConfusionMatrix::ConfusionMatrix(int num_classes) : classes_(num_classes) {
  if (num_classes <= 0) throw Error("a confusion matrix needs at least one class, not " + std::to_string(num_classes));
  counts_.assign(static_cast<size_t>(num_classes) * num_classes, 0);
}

int ConfusionMatrix::index(int truth, int predicted) const {
  for (int c : {truth, predicted})
    if (c < 0 || c >= classes_)
      throw Error("class " + std::to_string(c) + " is outside the confusion matrix's " + std::to_string(classes_) + " classes");
  return truth * classes_ + predicted;
}

void ConfusionMatrix::add(int truth, int predicted) {
  ++counts_[static_cast<size_t>(index(truth, predicted))];
  ++total_;
}

int64_t ConfusionMatrix::count(int truth, int predicted) const { return counts_[static_cast<size_t>(index(truth, predicted))]; }

int64_t ConfusionMatrix::correct() const {
  int64_t sum = 0;
  for (int c = 0; c < classes_; ++c) sum += count(c, c);
  return sum;
}

int64_t ConfusionMatrix::class_total(int truth) const {
  int64_t sum = 0;
  for (int p = 0; p < classes_; ++p) sum += count(truth, p);
  return sum;
}

double ConfusionMatrix::accuracy() const { return total_ ? static_cast<double>(correct()) / static_cast<double>(total_) : 0.0; }

double ConfusionMatrix::recall(int truth) const {
  const int64_t seen = class_total(truth);
  return seen ? static_cast<double>(count(truth, truth)) / static_cast<double>(seen) : 0.0;
}

}  // namespace vitlens
