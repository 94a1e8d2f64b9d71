#pragma once
#include <memory>
#include <vector>

#include "backend/vulkan/buffer.hpp"

namespace vitlens::vk {

// Where the device writes the requested attention rows and how they come back to the host.
// The rows of `held_layers` layers live on the device at once (every layer, or one when the
// forward pass hands each layer over before computing the next). A storage binding may not
// exceed the device's range (maxStorageBufferRange: 128 MiB on lavapipe, far less than every
// row of a 785-token ViT-S/8), so they are split into bands, one buffer each, that each fit:
// whole layers when a layer fits, else groups of heads of one layer.
class AttentionReadback {
 public:
  // One (layer, head) block holds `head_floats` floats (queries x tokens). The device writes
  // at most `heads_per_write` heads at a time (one chunk of the attention kernels); a band
  // never splits such a write. Throws vitlens::Error naming the sizes when one head's rows
  // do not fit `max_binding_bytes`.
  AttentionReadback(std::shared_ptr<Context> ctx, uint32_t held_layers, uint32_t heads, size_t head_floats,
                    uint32_t heads_per_write, VkDeviceSize max_binding_bytes);

  // The heads one write may cover: `heads_per_write` lowered so that a write fits a band.
  uint32_t heads_per_write() const { return heads_per_write_; }

  // Where the rows of (layer, first head of a write) start: a band and a float offset into it.
  struct Target {
    Slice slice;
    uint32_t offset = 0;
  };
  Target target(uint32_t layer, uint32_t head) const;
  // Copies layer `layer`'s rows, [heads, queries, tokens], to `out`.
  void read_layer(uint32_t layer, float* out) const;

 private:
  uint32_t held_layers_, heads_;
  size_t head_floats_;
  uint32_t heads_per_write_;
  uint32_t layers_per_band_ = 0;  // > 0 when whole layers fit a band
  uint32_t heads_per_band_ = 0;   // otherwise: heads of one layer per band
  std::vector<std::unique_ptr<Buffer>> bands_;
};

}  // namespace vitlens::vk
