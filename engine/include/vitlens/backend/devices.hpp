#pragma once
#include <string>
#include <vector>

namespace vitlens {

enum class DeviceKind { DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu, Other, CpuReference };

struct DeviceInfo {
  int index = -1;  // Vulkan physical-device index; -1 for the CPU reference
  std::string name;
  DeviceKind kind = DeviceKind::Other;
  std::string driver;  // driver name and version, "" for the CPU reference
  std::string api_version;
  std::string id() const;  // what --device accepts: "0", "1", ... or "cpu"
};

const char* to_string(DeviceKind kind);

// Every Vulkan device, best first (discrete, integrated, virtual, CPU implementations),
// followed by the CPU reference. Never throws: without a Vulkan loader it lists only "cpu".
std::vector<DeviceInfo> list_devices();

// Picks a device: "auto" (the first of list_devices()), "cpu", a Vulkan index, or a
// case-insensitive part of a device name. Throws vitlens::Error listing the devices
// when nothing matches.
DeviceInfo choose_device(const std::string& spec);

}  // namespace vitlens
