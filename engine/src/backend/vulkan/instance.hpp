#pragma once
#include <memory>
#include <vector>

#include <vulkan/vulkan.h>

namespace vitlens::vk {

// The process-wide VkInstance, created on first use and shared by every device context.
// Returns nullptr (and remembers why) when no Vulkan loader or driver is usable.
class Instance {
 public:
  static std::shared_ptr<Instance> get();
  ~Instance();
  VkInstance handle() const { return instance_; }
  std::vector<VkPhysicalDevice> physical_devices() const;

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
};

}  // namespace vitlens::vk
