#include "backend/vulkan/context.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/vulkan/vk_check.hpp"
#include "util/fault_point.hpp"
#include "vitlens/backend/device_lost.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

uint32_t compute_queue_family(VkPhysicalDevice device) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  // A compute-only family is the dedicated async-compute queue on GPUs that have one.
  for (uint32_t i = 0; i < count; ++i)
    if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) return i;
  for (uint32_t i = 0; i < count; ++i)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return i;
  throw Error("Vulkan device has no compute queue");
}

bool has_extension(VkPhysicalDevice device, const char* name) {
  uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data());
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

}  // namespace

std::shared_ptr<Context> Context::create(int physical_index) {
  auto instance = Instance::get();
  if (!instance) throw Error("Vulkan is not available (no loader or driver); use --device cpu");
  const auto devices = instance->physical_devices();
  if (physical_index < 0 || physical_index >= static_cast<int>(devices.size()))
    throw Error("there is no Vulkan device " + std::to_string(physical_index));

  auto ctx = std::shared_ptr<Context>(new Context());
  ctx->instance_ = instance;
  ctx->physical_ = devices[static_cast<size_t>(physical_index)];
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  // Without VK_EXT_subgroup_size_control the range of sizes is unknown: a GPU may compile
  // a shader for any of several, so the min == max test below stays false.
  VkPhysicalDeviceSubgroupSizeControlPropertiesEXT sizes{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES_EXT};
  const bool size_control = has_extension(ctx->physical_, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  if (size_control) subgroup.pNext = &sizes;
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(ctx->physical_, &props2);
  ctx->properties_ = props2.properties;
  ctx->name_ = ctx->properties_.deviceName;
  ctx->subgroup_size_ = std::max(1u, subgroup.subgroupSize);
  ctx->subgroup_shuffle_ = subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT;
  ctx->fixed_subgroup_size_ = size_control && sizes.minSubgroupSize == sizes.maxSubgroupSize &&
                              sizes.minSubgroupSize == ctx->subgroup_size_;
  const VkSubgroupFeatureFlags needed = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
  if ((subgroup.supportedOperations & needed) != needed || !(subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT))
    throw Error("Vulkan device '" + ctx->name_ + "' lacks subgroup arithmetic in compute shaders; use --device cpu");
  vkGetPhysicalDeviceMemoryProperties(ctx->physical_, &ctx->memory_);

  ctx->queue_family_ = compute_queue_family(ctx->physical_);
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = ctx->queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  check(vkCreateDevice(ctx->physical_, &device_info, nullptr, &ctx->device_), "vkCreateDevice");
  vkGetDeviceQueue(ctx->device_, ctx->queue_family_, 0, &ctx->queue_);

  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = ctx->queue_family_;
  check(vkCreateCommandPool(ctx->device_, &pool_info, nullptr, &ctx->pool_), "vkCreateCommandPool");
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vkCreateFence(ctx->device_, &fence_info, nullptr, &ctx->fence_), "vkCreateFence");
  return ctx;
}

Context::~Context() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  vkDestroyFence(device_, fence_, nullptr);
  vkDestroyCommandPool(device_, pool_, nullptr);
  vkDestroyDevice(device_, nullptr);
}

VkDeviceSize Context::binding_alignment() const {
  const auto& l = properties_.limits;
  return std::max<VkDeviceSize>({256, l.minStorageBufferOffsetAlignment, l.minTexelBufferOffsetAlignment,
                                 l.minUniformBufferOffsetAlignment, l.nonCoherentAtomSize});
}

bool Context::memory_type_has(uint32_t type, VkMemoryPropertyFlags flags) const {
  return (memory_.memoryTypes[type].propertyFlags & flags) == flags;
}

uint32_t Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const {
  for (const auto wanted : {required | preferred, required})
    for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i)
      if ((type_bits & (1u << i)) && memory_type_has(i, wanted)) return i;
  throw Error("Vulkan device '" + name_ + "' has no suitable memory type");
}

VkCommandBuffer Context::allocate_command_buffer() const {
  VkCommandBufferAllocateInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  info.commandPool = pool_;
  info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  info.commandBufferCount = 1;
  VkCommandBuffer cb = VK_NULL_HANDLE;
  check(vkAllocateCommandBuffers(device_, &info, &cb), "vkAllocateCommandBuffers");
  return cb;
}

void Context::free_command_buffer(VkCommandBuffer cb) const { vkFreeCommandBuffers(device_, pool_, 1, &cb); }

void Context::submit_and_wait(VkCommandBuffer cb) const {
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cb;
  check_run(vkResetFences(device_, 1, &fence_), "vkResetFences");
  check_run(fault_due(Fault::DeviceLost) ? VK_ERROR_DEVICE_LOST : vkQueueSubmit(queue_, 1, &submit, fence_), "vkQueueSubmit");
  check_run(vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

void Context::check_run(VkResult result, const char* what) const {
  if (result == VK_SUCCESS) return;
  const std::string failed = "Vulkan device '" + name_ + "': " + what + " failed: " + result_name(result);
  if (result == VK_ERROR_DEVICE_LOST) throw DeviceLost(failed + " (the device was lost; the next run starts it again)");
  throw Error(failed);
}

}  // namespace vitlens::vk
