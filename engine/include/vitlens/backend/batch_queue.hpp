#pragma once
#include <cstddef>
#include <exception>
#include <vector>

#include "vitlens/backend/session.hpp"

namespace vitlens {

// Runs a stream of images through a session a batch at a time, for the most images per
// second: images wait until their batch is full (Session::preferred_batch at their size, or a
// fixed size) or an image of another size or attention request arrives, then run together
// (Session::run_batch). What a command over many images puts between decoding and reporting.
// Not thread-safe.
class BatchQueue {
 public:
  struct Result {
    size_t id = 0;              // as given to push()
    ForwardOutput output;       // empty when `error` is set
    std::exception_ptr error;   // why the pass of this image's batch failed
    int batch = 1;              // how many images shared the pass (output.time_ms is a share of it)
  };

  // batch_size 0 follows the device's preference at each size; otherwise batches hold at most
  // that many images (1: every image alone, the lowest latency).
  explicit BatchQueue(Session& session, int batch_size = 0);

  // Adds image `id` (pre-processed, [3, H, W]) with the attention rows it needs. Returns the
  // results of the batches this completed or closed, in push order; nothing while the image's
  // batch waits. A streamed request (AttentionRequest::per_layer) runs alone.
  std::vector<Result> push(size_t id, Tensor pixels, AttentionRequest attention = {});
  // Runs the images still waiting and returns their results.
  std::vector<Result> flush();

 private:
  int capacity_for(const Tensor& pixels, const AttentionRequest& attention);
  bool joins(const Tensor& pixels, const AttentionRequest& attention) const;

  Session& session_;
  int batch_size_;
  AttentionRequest attention_;  // of the waiting batch
  int capacity_ = 1;
  std::vector<size_t> ids_;
  std::vector<Tensor> images_;
};

}  // namespace vitlens
