#pragma once
#include <memory>
#include <vector>

#include "backend/vulkan/buffer.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/weight_layout.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::vk {

struct DeviceLinear {
  Slice weight;  // [out, in] as layout() arranges it
  Slice bias;    // [out], zeros when the checkpoint has none
  uint32_t out = 0, in = 0, in_padded = 0, interleave = 0;
  WeightLayout layout() const { return {out, in, in_padded, interleave}; }
  // The weight as the W operand of a GEMM.
  MatrixRef matrix() const { return {weight, 0, in_padded, 0, interleave}; }
};

struct DeviceLayerNorm {
  Slice gamma, beta;
};

struct DeviceLayer {
  DeviceLayerNorm norm1, norm2;
  DeviceLinear qkv, proj, fc1, fc2;
};

// A model's weights on one device: uploaded once, sub-allocated from a single arena, with
// every row padded to a multiple of 4 floats so the texel kernels can read vec4s, and the
// linear layers' weights in the layout the device's GEMM reads fastest.
class DeviceWeights {
 public:
  DeviceWeights(std::shared_ptr<Context> ctx, const Model& model, uint32_t weight_interleave);

  DeviceLinear patch_embed;
  std::vector<DeviceLayer> layers;
  DeviceLayerNorm pre_norm;    // CLIP; unset slices when absent
  DeviceLayerNorm final_norm;  // unset slices when absent
  // SigLIP's probe head: its keys and values over every token are the one GEMM of the heads
  // worth a device (the rest runs on the host, backend/host/heads.hpp). Unset when absent.
  DeviceLinear probe_kv;
  std::vector<DeviceLinear> class_mlp, box_mlp;  // YOLOS detection heads; empty otherwise
  VkDeviceSize bytes() const { return arena_.total_bytes(); }

 private:
  Arena arena_;
};

// The transposed weights of the patch embedding and the encoder's linear layers: the W
// operands of the backward pass's dX = dY W as the family's GEMM reads them (it multiplies by
// W^T). Made when a model is first explained; as large as those weights again.
class DeviceGradientWeights {
 public:
  DeviceGradientWeights(std::shared_ptr<Context> ctx, const Model& model, uint32_t weight_interleave);

  struct Layer {
    DeviceLinear qkv, proj, fc1, fc2;
  };
  DeviceLinear patch_embed;
  std::vector<Layer> layers;

 private:
  Arena arena_;
};

}  // namespace vitlens::vk
