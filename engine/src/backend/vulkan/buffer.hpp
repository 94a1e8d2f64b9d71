#pragma once
#include <memory>
#include <vector>

#include <vulkan/vulkan.h>

#include "backend/vulkan/context.hpp"

namespace vitlens::vk {

enum class MemoryUse {
  Device,    // device-local; host-visible too when the device offers it (UMA, lavapipe)
  Upload,    // host writes, device reads
  Readback,  // device writes, host reads (cached where possible)
};

// One VkBuffer with its own memory, mapped persistently when host-visible.
class Buffer {
 public:
  Buffer(std::shared_ptr<Context> ctx, VkDeviceSize bytes, MemoryUse use);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  VkDeviceSize bytes() const { return bytes_; }
  // Host pointer to the start of the buffer, or nullptr when it is not host-visible.
  std::byte* mapped() const { return mapped_; }

 private:
  std::shared_ptr<Context> ctx_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize bytes_ = 0;
  std::byte* mapped_ = nullptr;
};

// A range of a Buffer: what a descriptor binds.
struct Slice {
  const Buffer* buffer = nullptr;
  VkDeviceSize offset = 0;
  VkDeviceSize bytes = 0;

  explicit operator bool() const { return buffer != nullptr; }
  float* host() const { return buffer->mapped() ? reinterpret_cast<float*>(buffer->mapped() + offset) : nullptr; }
  // The same memory viewed at a float offset, `floats` long.
  Slice sub(VkDeviceSize first_float, VkDeviceSize floats) const { return {buffer, offset + first_float * 4, floats * 4}; }
};

// Sub-allocates many tensors from one Buffer: reserve every size first, then allocate once.
// Every slice is aligned so it can be bound as a storage buffer or viewed as a texel buffer.
class Arena {
 public:
  using Id = size_t;
  Id reserve(VkDeviceSize bytes);
  Id reserve_floats(size_t count) { return reserve(count * sizeof(float)); }
  void allocate(std::shared_ptr<Context> ctx, MemoryUse use);
  Slice operator[](Id id) const;
  const Buffer& buffer() const { return *buffer_; }
  VkDeviceSize total_bytes() const;

 private:
  std::vector<VkDeviceSize> sizes_;
  std::vector<VkDeviceSize> offsets_;
  std::unique_ptr<Buffer> buffer_;
};

// Writes host data into slices of a device buffer: directly when it is mapped, otherwise
// through one staging buffer and a single copy at flush().
class Uploader {
 public:
  Uploader(std::shared_ptr<Context> ctx, const Buffer& target);
  void write(const Slice& slice, const void* data, size_t bytes);
  void flush();

 private:
  std::shared_ptr<Context> ctx_;
  const Buffer& target_;
  std::unique_ptr<Buffer> staging_;
};

}  // namespace vitlens::vk
