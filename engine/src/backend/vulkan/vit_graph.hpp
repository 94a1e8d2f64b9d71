#pragma once
#include <memory>
#include <vector>

#include "backend/vulkan/attention_readback.hpp"
#include "backend/vulkan/device_weights.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "vitlens/backend/forward.hpp"

namespace vitlens::vk {

// The forward pass of one model at one input size with one attention request, recorded
// once into a command buffer. Shapes are static, so running it is: im2col the pixels into
// the upload buffer, submit, read the outputs. A streamed request (per_layer) records one
// segment per layer and hands each layer's rows over between segments, so the device holds
// one layer's rows, not all of them.
class VitGraph {
 public:
  // `max_binding_bytes` bounds each attention read-back band (the device's range, or lower).
  VitGraph(std::shared_ptr<Context> ctx, const Kernels& kernels, const DeviceWeights& weights, const Model& model,
           int grid_h, int grid_w, const AttentionRequest& attention, bool profile, VkDeviceSize max_binding_bytes);

  // `per_layer` must be set exactly when the graph was made for a streamed request.
  ForwardOutput run(const Tensor& pixels, const LayerAttentionConsumer& per_layer = {});
  size_t dispatch_count() const { return recording_->dispatch_count(); }

 private:
  void plan_buffers();
  void upload_constants();
  void record(bool profile);
  void record_layer(size_t index);
  void record_attention(size_t index);
  void record_pre_norm();
  void record_mlp_block(const DeviceLayer& layer);
  void record_probe_kv();
  void record_detection();
  void record_mlp(const std::vector<DeviceLinear>& layers, const Slice& out);
  void read_detection(ForwardOutput& out) const;
  void write_patches(const Tensor& pixels);
  size_t bias_table_floats() const;  // one layer's relative position bias table at this grid; 0 without
  double submit(ForwardOutput& out, const LayerAttentionConsumer& per_layer);
  void read_attention(ForwardOutput& out) const;

  std::shared_ptr<Context> ctx_;
  const Kernels& kernels_;
  const DeviceWeights& weights_;
  const Model& model_;

  // Tokens: prefix_ (CLS, distillation, registers), patches_, suffix_ (YOLOS detection
  // tokens). mlp_ is fc2's padded input width, fc1_ fc1's (twice as wide for SwiGLU).
  uint32_t gh_, gw_, prefix_, patches_, suffix_, tokens_, D_, heads_, dh_, mlp_, fc1_, k_patch_;
  std::vector<int> queries_;  // token index of each attention output row
  bool want_attention_ = false;
  bool streamed_ = false;
  std::unique_ptr<AttentionReadback> attention_;

  Arena device_, readback_, upload_;
  struct {
    Arena::Id input, patches, init, x, ln, qkv, stats, attn, mlp, glu, query_tokens;
    Arena::Id mid, det_a, det_b;  // YOLOS: mid-position tables of every layer, head MLP activations
    Arena::Id hidden, probe_kv, det_logits, det_boxes;
    Arena::Id bias;  // BEiT: every layer's relative position bias table, fitted to this grid
  } id_{};
  std::unique_ptr<Recording> recording_;
};

}  // namespace vitlens::vk
