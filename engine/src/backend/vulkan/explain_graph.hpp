#pragma once
#include <memory>

#include "backend/vulkan/device_weights.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "backend/vulkan/vit_graph.hpp"
#include "vitlens/backend/forward.hpp"

namespace vitlens::vk {

// A forward pass and the gradient of one logit at one input size, on the device: a traced
// VitGraph, then a second recording that runs from the gradient at the final hidden state
// back through the final norm, every layer (MLP, LayerNorms, attention) and the patch
// embedding. Between the two the host runs the heads' backward (backend/host/heads), as it
// runs their forward. What the explanation returns is read back: every layer's attention and
// its gradient, the last block's norm1 output and gradient, the gradient at the pixels.
class ExplainGraph {
 public:
  ExplainGraph(std::shared_ptr<Context> ctx, const Kernels& kernels, const DeviceWeights& weights,
               const DeviceGradientWeights& transposed, const Model& model, int grid_h, int grid_w,
               VkDeviceSize max_binding_bytes);

  Explanation run(const Tensor& pixels, const LogitTarget& target);

 private:
  void plan_buffers();
  void record();
  void record_layer(size_t index, const Slice& grad, const Slice& mid_grad);
  void record_attention(size_t index);
  // dX = dY W for `rows` rows of dY, through the layer's transposed weight.
  void record_linear_backward(const DeviceLinear& transposed, uint32_t rows, const MatrixRef& dy, const MatrixRef& dx,
                              const char* label);
  void record_norm_backward(const MatrixRef& x, const MatrixRef& dy, const DeviceLayerNorm& norm, const MatrixRef* residual,
                            const MatrixRef& dx);
  Tensor pixel_gradient(const Tensor& pixels) const;

  std::shared_ptr<Context> ctx_;
  const Kernels& kernels_;
  const DeviceWeights& weights_;
  const DeviceGradientWeights& transposed_;
  const Model& model_;
  VitGraph forward_;
  const VitGraph::Trace& trace_;

  const GraphDims& d_;  // the forward graph's
  uint32_t layers_;
  Arena device_, readback_, upload_;
  struct {
    Arena::Id hidden_grad;                          // upload: d target / d hidden state
    Arena::Id grad, other, ln, ctx, mlp, fc1, qkv;  // device: gradients at each stage
    Arena::Id probs_grad, logits_grad;              // device: one layer's dA and dS
    Arena::Id tokens_t, columns_t;                  // device: transposed operands of attention's backward
    Arena::Id attention, attention_grad, norm1, norm1_grad, patch_grad;  // read back
  } id_{};
  std::unique_ptr<Recording> recording_;
};

}  // namespace vitlens::vk
