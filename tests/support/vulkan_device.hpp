#pragma once
#include <optional>

#include "vitlens/backend/devices.hpp"

namespace vitlens::test {

// The first Vulkan device list_devices() offers (what `auto` picks), or none without Vulkan:
// tests that need one warn and skip.
inline std::optional<DeviceInfo> first_vulkan_device() {
  for (const auto& d : list_devices())
    if (d.is_vulkan()) return d;
  return std::nullopt;
}

}  // namespace vitlens::test
