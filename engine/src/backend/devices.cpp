#include "vitlens/backend/devices.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "backend/vulkan/instance.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

DeviceKind kind_of(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return DeviceKind::DiscreteGpu;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return DeviceKind::IntegratedGpu;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return DeviceKind::VirtualGpu;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return DeviceKind::VulkanCpu;
    default: return DeviceKind::Other;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

constexpr const char* kCpuName = "CPU (oneDNN, float32)";

// Lower comes first in the list.
int preference(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::DiscreteGpu: return 0;
    case DeviceKind::IntegratedGpu: return 1;
    case DeviceKind::Cpu: return 2;
    case DeviceKind::VirtualGpu: return 3;
    case DeviceKind::VulkanCpu: return 4;
    case DeviceKind::Other: return 5;
    case DeviceKind::CpuReference: return 6;
  }
  return 7;
}

DeviceInfo native(DeviceKind kind, std::string name) {
  DeviceInfo d;
  d.kind = kind;
  d.name = std::move(name);
  return d;
}

// Mesa's Vulkan-on-CPU driver is lavapipe, but it reports itself as llvmpipe.
bool matches(const DeviceInfo& d, const std::string& wanted) {
  const std::string name = lower(d.name), driver = lower(d.driver);
  if (name.find(wanted) != std::string::npos || (!driver.empty() && driver.find(wanted) != std::string::npos)) return true;
  return wanted == "lavapipe" && d.kind == DeviceKind::VulkanCpu && driver.find("llvmpipe") != std::string::npos;
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

bool has_compute_queue(VkPhysicalDevice device) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  return std::any_of(families.begin(), families.end(),
                     [](const auto& f) { return (f.queueFlags & VK_QUEUE_COMPUTE_BIT) != 0; });
}

DeviceInfo describe(VkPhysicalDevice device, int index) {
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &driver;
  vkGetPhysicalDeviceProperties2(device, &props);
  DeviceInfo info;
  info.index = index;
  info.name = props.properties.deviceName;
  info.kind = kind_of(props.properties.deviceType);
  info.driver = std::string(driver.driverName) + (driver.driverInfo[0] ? std::string(" ") + driver.driverInfo : "");
  info.api_version = version_string(props.properties.apiVersion);
  return info;
}

}  // namespace

std::string DeviceInfo::id() const {
  if (kind == DeviceKind::Cpu) return "cpu";
  if (kind == DeviceKind::CpuReference) return "reference";
  return std::to_string(index);
}

const char* to_string(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::DiscreteGpu: return "discrete GPU";
    case DeviceKind::IntegratedGpu: return "integrated GPU";
    case DeviceKind::VirtualGpu: return "virtual GPU";
    case DeviceKind::VulkanCpu: return "CPU (Vulkan)";
    case DeviceKind::Other: return "other";
    case DeviceKind::Cpu: return "CPU";
    case DeviceKind::CpuReference: return "CPU reference";
  }
  return "unknown";
}

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> devices;
  try {
    if (auto instance = vk::Instance::get()) {
      const auto physical = instance->physical_devices();
      for (size_t i = 0; i < physical.size(); ++i) {
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(physical[i], &props);
        if (props.apiVersion < VK_API_VERSION_1_1 || !has_compute_queue(physical[i])) continue;
        devices.push_back(describe(physical[i], static_cast<int>(i)));
      }
    }
  } catch (const Error&) {
    devices.clear();  // a broken driver must not hide the CPU backends
  }
  devices.push_back(native(DeviceKind::Cpu, kCpuName));
  devices.push_back(native(DeviceKind::CpuReference, "CPU reference (C++, double accumulation)"));
  std::stable_sort(devices.begin(), devices.end(),
                   [](const DeviceInfo& a, const DeviceInfo& b) { return preference(a.kind) < preference(b.kind); });
  return devices;
}

DeviceInfo auto_device(const std::vector<DeviceInfo>& devices) {
  for (const DeviceKind kind : {DeviceKind::DiscreteGpu, DeviceKind::IntegratedGpu, DeviceKind::Cpu})
    for (const auto& d : devices)
      if (d.kind == kind) return d;
  return native(DeviceKind::Cpu, kCpuName);
}

DeviceInfo choose_device(const std::string& spec) {
  const auto devices = list_devices();
  const std::string wanted = lower(spec);
  if (wanted.empty() || wanted == "auto") return auto_device(devices);
  for (const auto& d : devices)
    if (d.id() == wanted) return d;
  for (const auto& d : devices)
    if (matches(d, wanted)) return d;
  std::string known;
  for (const auto& d : devices) known += "\n  " + d.id() + ": " + d.name;
  throw Error("no device matches '" + spec + "'; available devices:" + known);
}

}  // namespace vitlens
