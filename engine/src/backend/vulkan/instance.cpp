#include "backend/vulkan/instance.hpp"

#include <mutex>

#include "backend/vulkan/vk_check.hpp"

namespace vitlens::vk {

std::shared_ptr<Instance> Instance::get() {
  static std::mutex mutex;
  static std::weak_ptr<Instance> cached;
  std::lock_guard lock(mutex);
  if (auto alive = cached.lock()) return alive;
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "ViTLens";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  VkInstance handle = VK_NULL_HANDLE;
  if (vkCreateInstance(&info, nullptr, &handle) != VK_SUCCESS) return nullptr;
  auto instance = std::shared_ptr<Instance>(new Instance());
  instance->instance_ = handle;
  cached = instance;
  return instance;
}

Instance::~Instance() { vkDestroyInstance(instance_, nullptr); }

std::vector<VkPhysicalDevice> Instance::physical_devices() const {
  uint32_t count = 0;
  check(vkEnumeratePhysicalDevices(instance_, &count, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> devices(count);
  check(vkEnumeratePhysicalDevices(instance_, &count, devices.data()), "vkEnumeratePhysicalDevices");
  devices.resize(count);
  return devices;
}

}  // namespace vitlens::vk
