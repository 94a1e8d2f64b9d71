#pragma once
#include <string>
#include <vector>

namespace vitlens {

// What runs a model: a Vulkan device (GPUs, and Vulkan implementations on the CPU such as
// Mesa's lavapipe), the native CPU backend (oneDNN) or the double-precision CPU reference.
enum class DeviceKind { DiscreteGpu, IntegratedGpu, VirtualGpu, VulkanCpu, Other, Cpu, CpuReference };

struct DeviceInfo {
  int index = -1;  // Vulkan physical-device index; -1 for the native CPU backends
  std::string name;
  DeviceKind kind = DeviceKind::Other;
  std::string driver;  // driver name and version, "" for the native CPU backends
  std::string api_version;
  std::string id() const;  // what --device accepts: "0", "1", ..., "cpu" or "reference"
  bool is_vulkan() const { return kind != DeviceKind::Cpu && kind != DeviceKind::CpuReference; }
};

const char* to_string(DeviceKind kind);

// Every device: Vulkan GPUs (discrete, integrated), the CPU backend "cpu", other Vulkan
// devices (virtual GPUs, Vulkan on the CPU such as lavapipe), then the CPU reference
// "reference". Never throws: without a Vulkan loader it lists "cpu" and "reference".
std::vector<DeviceInfo> list_devices();

// What "auto" picks from `devices`: a discrete GPU, else an integrated GPU, else "cpu".
// Vulkan implementations on the CPU are used only when asked for by index or name.
DeviceInfo auto_device(const std::vector<DeviceInfo>& devices);

// Picks a device: "auto", "cpu", "reference", a Vulkan index, or a case-insensitive part of a
// device's name or driver ("lavapipe" names Mesa's llvmpipe Vulkan driver). Throws
// vitlens::Error listing the devices when nothing matches.
DeviceInfo choose_device(const std::string& spec);

}  // namespace vitlens
