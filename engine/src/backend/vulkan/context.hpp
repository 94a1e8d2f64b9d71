#pragma once
#include <memory>
#include <string>

#include <vulkan/vulkan.h>

#include "backend/vulkan/instance.hpp"

namespace vitlens::vk {

// A logical device with one compute queue, and the device facts kernels are tuned by.
class Context {
 public:
  static std::shared_ptr<Context> create(int physical_index);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkDevice device() const { return device_; }
  VkPhysicalDevice physical() const { return physical_; }
  const VkPhysicalDeviceProperties& properties() const { return properties_; }
  const std::string& name() const { return name_; }
  uint32_t subgroup_size() const { return subgroup_size_; }
  // Compute shaders may use subgroupShuffle (the texel GEMM's module declares it).
  bool has_subgroup_shuffle() const { return subgroup_shuffle_; }
  // True when a workgroup of subgroup_size() invocations is always exactly one subgroup (the
  // device reports a single possible size) and compute shaders can shuffle within it.
  bool workgroup_is_one_subgroup_with_shuffle() const { return subgroup_shuffle_ && fixed_subgroup_size_; }
  // True for Vulkan implementations that run on the CPU (lavapipe, SwiftShader).
  bool is_cpu_implementation() const { return properties_.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU; }
  VkDeviceSize max_binding_bytes() const { return properties_.limits.maxStorageBufferRange; }
  VkDeviceSize max_texel_bytes() const { return VkDeviceSize{properties_.limits.maxTexelBufferElements} * 16; }
  // The alignment every sub-allocation honours, so any slice can be bound or viewed.
  VkDeviceSize binding_alignment() const;

  // A memory type with all `required` flags, preferring one that also has `preferred`.
  uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const;
  bool memory_type_has(uint32_t type, VkMemoryPropertyFlags flags) const;
  // The size of the heap memory type `type` allocates from.
  VkDeviceSize heap_bytes(uint32_t type) const { return memory_.memoryHeaps[memory_.memoryTypes[type].heapIndex].size; }

  VkCommandBuffer allocate_command_buffer() const;
  void free_command_buffer(VkCommandBuffer cb) const;
  // Submits and blocks until the device has finished. Throws vitlens::DeviceLost when the
  // device is lost (or a test injects Fault::DeviceLost), vitlens::Error for other failures.
  void submit_and_wait(VkCommandBuffer cb) const;

 private:
  Context() = default;
  void check_run(VkResult result, const char* what) const;
  std::shared_ptr<Instance> instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties_{};
  VkPhysicalDeviceMemoryProperties memory_{};
  std::string name_;
  uint32_t subgroup_size_ = 1;
  bool subgroup_shuffle_ = false;
  bool fixed_subgroup_size_ = false;
  VkDevice device_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
};

}  // namespace vitlens::vk
