#include "vitlens/backend/batch_queue.hpp"

#include <utility>

namespace vitlens {

BatchQueue::BatchQueue(Session& session, int batch_size) : session_(session), batch_size_(batch_size) {}

std::vector<BatchQueue::Result> BatchQueue::push(size_t id, Tensor pixels, AttentionRequest attention) {
  std::vector<Result> done;
  if (!images_.empty() && !joins(pixels, attention)) done = flush();
  if (images_.empty()) {
    capacity_ = capacity_for(pixels, attention);
    attention_ = std::move(attention);
  }
  ids_.push_back(id);
  images_.push_back(std::move(pixels));
  if (static_cast<int>(images_.size()) >= capacity_)
    for (Result& r : flush()) done.push_back(std::move(r));
  return done;
}

std::vector<BatchQueue::Result> BatchQueue::flush() {
  std::vector<Result> results(ids_.size());
  const int batch = static_cast<int>(ids_.size());
  for (size_t i = 0; i < ids_.size(); ++i) results[i] = {ids_[i], {}, nullptr, batch};
  try {
    if (batch > 0) {
      std::vector<ForwardOutput> outputs = session_.run_batch(images_, attention_);
      for (size_t i = 0; i < outputs.size(); ++i) results[i].output = std::move(outputs[i]);
    }
  } catch (...) {
    // The images of a batch share one size, so what failed the pass fails each of them.
    for (Result& r : results) r.error = std::current_exception();
  }
  ids_.clear();
  images_.clear();
  return results;
}

bool BatchQueue::joins(const Tensor& pixels, const AttentionRequest& attention) const {
  return !attention.per_layer && pixels.shape == images_.front().shape && attention.rows == attention_.rows &&
         attention.query_tokens == attention_.query_tokens && attention.hidden_state == attention_.hidden_state;
}

int BatchQueue::capacity_for(const Tensor& pixels, const AttentionRequest& attention) {
  if (attention.per_layer) return 1;  // the consumer is told layers, not images
  if (batch_size_ > 0) return batch_size_;
  try {
    return session_.preferred_batch(static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2)));
  } catch (...) {
    return 1;  // a size the model cannot take: the image runs alone, and its pass reports why
  }
}

}  // namespace vitlens
