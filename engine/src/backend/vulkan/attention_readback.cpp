#include "backend/vulkan/attention_readback.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

std::string mib(VkDeviceSize bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

AttentionReadback::AttentionReadback(std::shared_ptr<Context> ctx, uint32_t held_layers, uint32_t heads,
                                     size_t head_floats, uint32_t heads_per_write, VkDeviceSize max_binding_bytes)
    : held_layers_(held_layers), heads_(heads), head_floats_(std::max<size_t>(head_floats, 1)) {
  const VkDeviceSize head_bytes = head_floats_ * sizeof(float);
  const VkDeviceSize fitting_heads = max_binding_bytes / head_bytes;
  if (fitting_heads == 0)
    throw Error("the attention rows of one head (" + mib(head_bytes) + ") exceed this device's storage-buffer range (" +
                mib(max_binding_bytes) + "); request fewer query rows, or use --device cpu");
  const VkDeviceSize layer_bytes = head_bytes * heads_;
  std::vector<VkDeviceSize> band_bytes;
  if (layer_bytes <= max_binding_bytes) {
    heads_per_write_ = std::min(heads_per_write, heads_);
    layers_per_band_ = static_cast<uint32_t>(std::min<VkDeviceSize>(max_binding_bytes / layer_bytes, held_layers_));
    for (uint32_t l = 0; l < held_layers_; l += layers_per_band_)
      band_bytes.push_back(layer_bytes * std::min(layers_per_band_, held_layers_ - l));
  } else {
    heads_per_write_ = static_cast<uint32_t>(std::min<VkDeviceSize>(heads_per_write, fitting_heads));
    // A whole number of writes per band, so that no write straddles two bands.
    heads_per_band_ = static_cast<uint32_t>(fitting_heads / heads_per_write_ * heads_per_write_);
    for (uint32_t l = 0; l < held_layers_; ++l)
      for (uint32_t h = 0; h < heads_; h += heads_per_band_)
        band_bytes.push_back(head_bytes * std::min(heads_per_band_, heads_ - h));
  }
  for (const VkDeviceSize bytes : band_bytes) bands_.push_back(std::make_unique<Buffer>(ctx, bytes, MemoryUse::Readback));
}

AttentionReadback::Target AttentionReadback::target(uint32_t layer, uint32_t head) const {
  const uint32_t held = layer % held_layers_;
  size_t band = 0, block = 0;
  if (layers_per_band_) {
    band = held / layers_per_band_;
    block = size_t{held % layers_per_band_} * heads_ + head;
  } else {
    const uint32_t bands_per_layer = (heads_ + heads_per_band_ - 1) / heads_per_band_;
    band = size_t{held} * bands_per_layer + head / heads_per_band_;
    block = head % heads_per_band_;
  }
  const Buffer& buffer = *bands_.at(band);
  return {{&buffer, 0, buffer.bytes()}, static_cast<uint32_t>(block * head_floats_)};
}

void AttentionReadback::read_layer(uint32_t layer, float* out) const {
  const uint32_t run = layers_per_band_ ? heads_ : heads_per_band_;
  for (uint32_t h = 0; h < heads_; h += run) {
    const Target t = target(layer, h);
    const size_t floats = size_t{std::min(run, heads_ - h)} * head_floats_;
    std::memcpy(out + size_t{h} * head_floats_, t.slice.host() + t.offset, floats * sizeof(float));
  }
}

}  // namespace vitlens::vk
