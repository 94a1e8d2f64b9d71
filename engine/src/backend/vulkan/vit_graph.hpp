#pragma once
#include <memory>
#include <vector>

#include "backend/vulkan/attention_readback.hpp"
#include "backend/vulkan/device_weights.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "vitlens/backend/forward.hpp"

namespace vitlens::vk {

// What a graph is recorded for: the input's patch grid and the sizes that follow from it
// and the model. Tokens: prefix (CLS, distillation, registers), patches, suffix (YOLOS
// detection tokens). mlp is fc2's padded input width, fc1 fc1's (twice as wide for SwiGLU),
// k_patch the patch embedding's padded input width.
struct GraphDims {
  GraphDims(const Model& model, const DeviceWeights& weights, int grid_h, int grid_w);
  uint32_t gh, gw, prefix, patches, suffix, tokens, D, heads, dh, mlp, fc1, k_patch;
};

// The forward pass of one model at one input size with one attention request, recorded
// once into a command buffer. Shapes are static, so running it is: im2col the pixels into
// the upload buffer, submit, read the outputs. A streamed request (per_layer) records one
// segment per layer and hands each layer's rows over between segments, so the device holds
// one layer's rows, not all of them.
// A traced graph (for explanations) keeps on the device what the backward pass reads: every
// layer's input, QKV, attention probabilities, attention-residual output and fc1 output
// before the activation, each in a buffer of its own instead of one reused buffer.
class VitGraph {
 public:
  // What a traced forward pass leaves on the device; slices of the graph's memory.
  struct Trace {
    Slice embedded;              // [tokens, D]: the tokens before CLIP's pre-norm
    std::vector<Slice> inputs;   // layers + 1 of [tokens, D]: each layer's input, then the final norm's
    std::vector<Slice> qkv;      // [tokens, 3 D]
    std::vector<Slice> probs;    // [heads, tokens, tokens]: post-softmax attention
    std::vector<Slice> mids;     // [tokens, D]: after the attention residual
    std::vector<Slice> fc1;      // [tokens, fc1 width]: before the activation
  };

  // `max_binding_bytes` bounds each attention read-back band (the device's range, or lower)
  // and, traced, each layer's attention probabilities.
  VitGraph(std::shared_ptr<Context> ctx, const Kernels& kernels, const DeviceWeights& weights, const Model& model,
           int grid_h, int grid_w, const AttentionRequest& attention, bool profile, VkDeviceSize max_binding_bytes,
           bool traced = false);

  // `per_layer` must be set exactly when the graph was made for a streamed request.
  ForwardOutput run(const Tensor& pixels, const LayerAttentionConsumer& per_layer = {});
  size_t dispatch_count() const { return recording_->dispatch_count(); }
  // Only for a traced graph; valid after run().
  const Trace& trace() const { return trace_; }
  const GraphDims& dims() const { return d_; }

 private:
  void plan_buffers();
  void plan_layers(VkDeviceSize max_binding_bytes);
  void upload_constants();
  void record(bool profile);
  void record_layer(size_t index);
  void record_attention(size_t index);
  void record_pre_norm();
  void record_mlp_block(size_t index);
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

  GraphDims d_;
  std::vector<int> queries_;  // token index of each attention output row
  bool want_attention_ = false;
  bool streamed_ = false;
  bool traced_ = false;
  std::unique_ptr<AttentionReadback> attention_;

  Arena device_, readback_, upload_;
  struct {
    Arena::Id input, patches, init, x, ln, qkv, stats, attn, mlp, glu, query_tokens;
    Arena::Id mid, det_a, det_b;  // YOLOS: mid-position tables of every layer, head MLP activations
    Arena::Id hidden, probe_kv, det_logits, det_boxes;
    Arena::Id bias;  // BEiT: every layer's relative position bias table, fitted to this grid
    Arena::Id embedded, all_tokens;  // traced: the tokens before the pre-norm; 0..tokens-1
  } id_{};
  // Per layer; all the same shared buffers unless traced. inputs has one more: the final norm's.
  struct LayerIds {
    Arena::Id qkv, probs, mid, fc1;
  };
  std::vector<LayerIds> layer_ids_;
  std::vector<Arena::Id> input_ids_;
  Trace trace_;
  std::unique_ptr<Recording> recording_;
};

}  // namespace vitlens::vk
