#include "backend/vulkan/buffer.hpp"

#include <cstring>

#include "backend/vulkan/vk_check.hpp"
#include "util/fault_point.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

VkDeviceSize align_up(VkDeviceSize value, VkDeviceSize alignment) { return (value + alignment - 1) / alignment * alignment; }

}  // namespace

Buffer::Buffer(std::shared_ptr<Context> ctx, VkDeviceSize bytes, MemoryUse use) : ctx_(std::move(ctx)), bytes_(bytes) {
  VkDevice device = ctx_->device();
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = std::max<VkDeviceSize>(bytes, 16);
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(device, &info, nullptr, &buffer_), "vkCreateBuffer");

  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device, buffer_, &req);
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  uint32_t type = 0;
  switch (use) {
    case MemoryUse::Device:
      type = ctx_->memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
      break;
    case MemoryUse::Upload:
      type = ctx_->memory_type(req.memoryTypeBits, host, 0);
      break;
    case MemoryUse::Readback:
      type = ctx_->memory_type(req.memoryTypeBits, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      break;
  }
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  const VkResult result =
      fault_due(Fault::Allocation) ? VK_ERROR_OUT_OF_DEVICE_MEMORY : vkAllocateMemory(device, &alloc, nullptr, &memory_);
  if (result != VK_SUCCESS) {
    vkDestroyBuffer(device, buffer_, nullptr);
    throw Error("Vulkan device '" + ctx_->name() + "' could not allocate " + std::to_string(req.size >> 20) +
                " MiB (" + result_name(result) + "; its memory heap holds " + std::to_string(ctx_->heap_bytes(type) >> 20) +
                " MiB); use a smaller input size or --device cpu");
  }
  try {
    check(vkBindBufferMemory(device, buffer_, memory_, 0), "vkBindBufferMemory");
    if (ctx_->memory_type_has(type, host)) {
      void* p = nullptr;
      check(vkMapMemory(device, memory_, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
      mapped_ = static_cast<std::byte*>(p);
    }
  } catch (...) {
    vkDestroyBuffer(device, buffer_, nullptr);
    vkFreeMemory(device, memory_, nullptr);
    throw;
  }
}

Buffer::~Buffer() {
  VkDevice device = ctx_->device();
  if (mapped_) vkUnmapMemory(device, memory_);
  vkDestroyBuffer(device, buffer_, nullptr);
  vkFreeMemory(device, memory_, nullptr);
}

Arena::Id Arena::reserve(VkDeviceSize bytes) {
  sizes_.push_back(bytes);
  return sizes_.size() - 1;
}

void Arena::allocate(std::shared_ptr<Context> ctx, MemoryUse use) {
  const VkDeviceSize alignment = ctx->binding_alignment();
  offsets_.clear();
  VkDeviceSize end = 0;
  for (const auto size : sizes_) {
    offsets_.push_back(end);
    end = align_up(end + std::max<VkDeviceSize>(size, 16), alignment);
  }
  buffer_ = std::make_unique<Buffer>(std::move(ctx), end, use);
}

VkDeviceSize Arena::total_bytes() const { return buffer_ ? buffer_->bytes() : 0; }

Slice Arena::operator[](Id id) const { return {buffer_.get(), offsets_.at(id), sizes_.at(id)}; }

Uploader::Uploader(std::shared_ptr<Context> ctx, const Buffer& target) : ctx_(std::move(ctx)), target_(target) {
  if (!target_.mapped()) staging_ = std::make_unique<Buffer>(ctx_, target_.bytes(), MemoryUse::Upload);
  // Whatever is not written reads as zero: padding rows and columns must be finite.
  std::memset(staging_ ? staging_->mapped() : target_.mapped(), 0, target_.bytes());
}

void Uploader::write(const Slice& slice, const void* data, size_t bytes) {
  if (bytes > slice.bytes) throw Error("internal: upload larger than its slice");
  std::byte* base = staging_ ? staging_->mapped() : target_.mapped();
  std::memcpy(base + slice.offset, data, bytes);
}

void Uploader::flush() {
  if (!staging_) return;
  VkCommandBuffer cb = ctx_->allocate_command_buffer();
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cb, &begin);
  VkBufferCopy region{0, 0, target_.bytes()};
  vkCmdCopyBuffer(cb, staging_->handle(), target_.handle(), 1, &region);
  vkEndCommandBuffer(cb);
  ctx_->submit_and_wait(cb);
  ctx_->free_command_buffer(cb);
  staging_.reset();
}

}  // namespace vitlens::vk
