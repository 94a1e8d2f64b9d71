#pragma once
#include <memory>
#include <string>
#include <vector>

#include "vitlens/model/model.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// Which attention probabilities a forward pass should hand back.
struct AttentionRequest {
  enum class Rows { None, All, Selected };
  Rows rows = Rows::None;
  std::vector<int> query_tokens;  // token indices when rows == Selected (0 = CLS)

  static AttentionRequest none() { return {}; }
  static AttentionRequest all() { return {Rows::All, {}}; }
  static AttentionRequest selected(std::vector<int> tokens) { return {Rows::Selected, std::move(tokens)}; }
};

struct ForwardOutput {
  Tensor logits;        // [num_classes]; empty for a bare encoder
  Tensor hidden_state;  // [tokens, D] after the final norm (features; DINO's output)
  // A YOLOS detector's raw outputs per detection token (both empty otherwise): class logits
  // [detection tokens, num_classes + 1], the last column "no object", and boxes
  // [detection tokens, 4] as sigmoid-ed (cx, cy, w, h) relative to the input image.
  Tensor detection_logits;
  Tensor detection_boxes;
  // Post-softmax attention [layers, heads, queries, tokens]; queries are every token or the
  // requested ones in request order. Empty when none was requested.
  Tensor attention;
  std::vector<int> attention_queries;  // token index of each query row
  double time_ms = 0;                  // device time of the forward pass, pre-processing excluded
  // Per-operation device time when profiling was asked for: (shader, total ms) in order.
  std::vector<std::pair<std::string, double>> op_times_ms;
};

// A ViT forward pass on one device. Implementations: the CPU reference and the Vulkan
// engine. `pixels` is a pre-processed image [3, H, W]; H and W must be multiples of the
// patch size, and any such size works (position embeddings are interpolated).
class ForwardBackend {
 public:
  virtual ~ForwardBackend() = default;
  virtual std::string device_name() const = 0;
  virtual ForwardOutput forward(const Tensor& pixels, const AttentionRequest& attention) = 0;
};

// The plain C++ reference (double accumulation): slow, readable, a second opinion.
std::unique_ptr<ForwardBackend> make_cpu_backend(std::shared_ptr<const Model> model);

}  // namespace vitlens
