#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vitlens/model/model.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// Receives one layer's post-softmax attention rows, [heads, queries, tokens], as soon as the
// forward pass has computed that layer; layers arrive in order 0, 1, ... The tensor is only
// valid during the call.
using LayerAttentionConsumer = std::function<void(int layer, const Tensor& rows)>;

// What a forward pass should hand back besides the heads' outputs (logits, embedding,
// detections): which attention probabilities, and whether the hidden state.
struct AttentionRequest {
  enum class Rows { None, All, Selected };
  Rows rows = Rows::None;
  std::vector<int> query_tokens;  // token indices when rows == Selected (0 = CLS)
  // When set, the rows go to this consumer layer by layer and ForwardOutput::attention stays
  // empty: only one layer's rows are held at a time, so every row of a long sequence (what
  // rollout needs) costs heads x queries x tokens floats instead of layers times that.
  LayerAttentionConsumer per_layer;
  // Without it a backend may leave ForwardOutput::hidden_state empty and run the last layer
  // only on the tokens the heads read (a classifier's CLS, a detector's detection tokens):
  // the other tokens' last outputs feed nothing else.
  bool hidden_state = true;

  static AttentionRequest none() { return {}; }
  static AttentionRequest all() { return {Rows::All, {}, {}}; }
  static AttentionRequest selected(std::vector<int> tokens) { return {Rows::Selected, std::move(tokens), {}}; }
  // Only what the heads compute: what classifying, detecting and benchmarking need.
  static AttentionRequest heads_only() { return {Rows::None, {}, {}, false}; }
  // The same rows handed to `consumer` one layer at a time.
  AttentionRequest streamed(LayerAttentionConsumer consumer) const {
    return {rows, query_tokens, std::move(consumer), hidden_state};
  }
};

struct ForwardOutput {
  Tensor logits;        // [num_classes]; empty for a bare encoder
  Tensor hidden_state;  // [tokens, D] after the final norm (features; DINO's output)
  // The image's feature vector: the pooled feature (CLS, the patch mean, DINOv2's
  // [CLS, patch mean] or SigLIP's probe output) after fc_norm, projected into the joint
  // image-text space when the model has a projection (CLIP).
  Tensor embedding;
  // SigLIP's attention-pooling probe: its attention over every token, [heads, tokens].
  // Empty for models without a probe.
  Tensor probe_attention;
  // A YOLOS detector's raw outputs per detection token (both empty otherwise): class logits
  // [detection tokens, num_classes + 1], the last column "no object", and boxes
  // [detection tokens, 4] as sigmoid-ed (cx, cy, w, h) relative to the input image.
  Tensor detection_logits;
  Tensor detection_boxes;
  // Post-softmax attention [layers, heads, queries, tokens]; queries are every token or the
  // requested ones in request order. Empty when none was requested or it was streamed
  // (AttentionRequest::per_layer).
  Tensor attention;
  std::vector<int> attention_queries;  // token index of each query row
  double time_ms = 0;                  // device time of the forward pass, pre-processing excluded
  // Per-operation device time when profiling was asked for: (shader, total ms) in order.
  std::vector<std::pair<std::string, double>> op_times_ms;
};

// The scalar a gradient is taken of: one class logit of the classifier (DeiT's two heads
// averaged, as the logits are), or, for a YOLOS detector, class `class_index` of detection
// token `detection_token` (its raw logit, before the softmax).
struct LogitTarget {
  // The class with the highest logit in the same forward pass (for a detection token, never
  // "no object"), so explaining the top class takes one forward pass, not two.
  static constexpr int kTopClass = -1;
  int class_index = kTopClass;
  int detection_token = -1;  // >= 0 for a detector
};

// A forward pass and the gradient of one logit: what class-specific explanations need.
struct Explanation {
  ForwardOutput output;   // logits, hidden state, detections; no attention rows
  LogitTarget target;     // what was explained, kTopClass resolved to its class
  Tensor attention;       // [layers, heads, tokens, tokens] post-softmax
  Tensor attention_grad;  // [layers, heads, tokens, tokens]: d target / d attention
  // Grad-CAM's target layer, the last block's first LayerNorm: its output and the gradient
  // there, [tokens, D].
  Tensor last_norm1;
  Tensor last_norm1_grad;
  Tensor pixel_grad;  // [C, H, W]: d target / d pixels, for gradient checks and saliency
};

// A ViT forward pass on one device. Implementations: the CPU backend (oneDNN), the
// double-precision CPU reference and the Vulkan engine. `pixels` is a pre-processed image [3, H, W]; H and W must be multiples of the
// patch size, and any such size works (position embeddings are interpolated).
class ForwardBackend {
 public:
  virtual ~ForwardBackend() = default;
  virtual std::string device_name() const = 0;
  virtual ForwardOutput forward(const Tensor& pixels, const AttentionRequest& attention) = 0;
  // Several images of one size, one output each, as forward() gives them one by one; each
  // output's time_ms is its share of the pass. A backend that runs faster on several images
  // at once (the CPU backend: its matrix products see every image's tokens) overrides this;
  // the default runs them one at a time. Streamed attention (AttentionRequest::per_layer)
  // names no image, so it is never batched. Throws vitlens::Error for images of different sizes.
  virtual std::vector<ForwardOutput> forward(const std::vector<Tensor>& images, const AttentionRequest& attention);
  // How many images of height x width to give forward(images) at once for the most images
  // per second: 1 where batching gains nothing.
  virtual int preferred_batch(int height, int width) const;
  // The forward pass with the gradient of `target` back to every layer's attention. Throws
  // vitlens::Error when the model has no such logit (no classifier, a class out of range).
  virtual Explanation explain(const Tensor& pixels, const LogitTarget& target) = 0;

 protected:
  // Throws vitlens::Error unless every image has the first one's shape.
  static void check_one_size(const std::vector<Tensor>& images);
};

// The plain C++ reference (double accumulation): slow, readable, a second opinion, and the
// backward pass the others are checked against.
std::unique_ptr<ForwardBackend> make_reference_backend(std::shared_ptr<const Model> model);

// The fast CPU backend: float32 on oneDNN, weights packed once here into its blocked layouts,
// attention a block of query rows at a time (memory grows with tokens, not tokens squared).
// `threads` 0 means cpu default: VITLENS_THREADS, else every physical core. Its explain()
// runs a float backward pass on oneDNN, reading the weights in place. Throws vitlens::Error for malformed weights or an
// invalid VITLENS_THREADS.
std::unique_ptr<ForwardBackend> make_cpu_backend(std::shared_ptr<const Model> model, int threads = 0);

}  // namespace vitlens
