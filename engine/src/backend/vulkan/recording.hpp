#pragma once
#include <initializer_list>
#include <memory>
#include <vector>

#include <vulkan/vulkan.h>

#include "backend/vulkan/buffer.hpp"
#include "backend/vulkan/pipeline.hpp"

namespace vitlens::vk {

// Commands recorded once and submitted many times, as one command buffer or as several
// segments submitted in turn (so the host can read results between them). It owns
// everything its commands refer to besides buffers and pipelines: one descriptor set per
// dispatch (written once, at record time) and the texel-buffer views they use.
class Recording {
 public:
  // With `profile`, a timestamp follows every command and op_times() reports them.
  Recording(std::shared_ptr<Context> ctx, bool profile);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  // Binds `slices` to bindings 0..n-1 of the pipeline's set, pushes `push` and dispatches.
  // Every command waits for the one before it: a ViT is a chain of dependent steps.
  template <typename Push>
  void dispatch(const Pipeline& pipeline, std::initializer_list<Slice> slices, const Push& push, uint32_t gx,
                uint32_t gy = 1, uint32_t gz = 1) {
    dispatch_raw(pipeline, slices, &push, sizeof(Push), gx, gy, gz);
  }
  // Names the next command in op_times() ("gemm_texel:fc1" rather than "gemm_texel").
  void label_next(std::string label) { next_label_ = std::move(label); }
  void copy(const Slice& src, const Slice& dst);
  // Ends the current segment; what is recorded next goes into a new one.
  void end_segment();
  void finish();
  size_t segment_count() const { return segments_.size(); }
  // Submits every segment in order, each after the one before has finished.
  void submit() const;
  // Submits one segment and waits for it.
  void submit_segment(size_t index) const;
  size_t dispatch_count() const { return dispatches_; }
  // Device time of each shader (summed over its dispatches) during the last submit.
  std::vector<std::pair<std::string, double>> op_times() const;

 private:
  void dispatch_raw(const Pipeline& pipeline, std::initializer_list<Slice> slices, const void* push,
                    uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz);
  VkDescriptorSet allocate_set(const Pipeline& pipeline);
  VkBufferView texel_view(const Slice& slice);
  void barrier();
  void timestamp(std::string label);

  void begin_segment();

  std::shared_ptr<Context> ctx_;
  std::vector<VkCommandBuffer> segments_;
  VkCommandBuffer cb_ = VK_NULL_HANDLE;  // the segment being recorded
  std::vector<VkDescriptorPool> pools_;
  uint32_t sets_left_ = 0;
  std::vector<VkBufferView> views_;
  size_t dispatches_ = 0;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  std::vector<std::string> labels_;  // label of the command that ends at timestamp i + 1
  std::string next_label_;
};

}  // namespace vitlens::vk
