// Device choice: what `devices` lists, what "auto" picks and how --device names a device.
#include <catch2/catch.hpp>

#include <algorithm>

#include "vitlens/backend/devices.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;

namespace {

DeviceInfo vulkan(int index, DeviceKind kind, const char* name, const char* driver = "") {
  DeviceInfo d;
  d.index = index;
  d.kind = kind;
  d.name = name;
  d.driver = driver;
  return d;
}

DeviceInfo native(DeviceKind kind) {
  DeviceInfo d;
  d.kind = kind;
  return d;
}

}  // namespace

TEST_CASE("devices lists the CPU backend and the CPU reference beside every Vulkan device", "[devices]") {
  const auto devices = list_devices();
  const auto has = [&](const char* id) {
    return std::any_of(devices.begin(), devices.end(), [&](const DeviceInfo& d) { return d.id() == id; });
  };
  CHECK(has("cpu"));
  CHECK(has("reference"));
  CHECK(devices.back().id() == "reference");
  CHECK(choose_device("cpu").kind == DeviceKind::Cpu);
  CHECK(choose_device("reference").kind == DeviceKind::CpuReference);
  CHECK(choose_device("auto").id() == auto_device(devices).id());
  CHECK(choose_device("auto").id() == devices.front().id());
}

TEST_CASE("auto picks a discrete GPU, then an integrated GPU, then the CPU backend, never Vulkan on the CPU", "[devices]") {
  const DeviceInfo lavapipe = vulkan(0, DeviceKind::VulkanCpu, "llvmpipe (LLVM 15.0.6, 256 bits)", "llvmpipe Mesa");
  const DeviceInfo virtual_gpu = vulkan(1, DeviceKind::VirtualGpu, "virtio");
  const DeviceInfo integrated = vulkan(2, DeviceKind::IntegratedGpu, "Intel UHD");
  const DeviceInfo discrete = vulkan(3, DeviceKind::DiscreteGpu, "Radeon");
  const DeviceInfo cpu = native(DeviceKind::Cpu), reference = native(DeviceKind::CpuReference);
  CHECK(auto_device({lavapipe, cpu, reference}).id() == "cpu");
  CHECK(auto_device({virtual_gpu, lavapipe, cpu, reference}).id() == "cpu");
  CHECK(auto_device({integrated, cpu, lavapipe, reference}).id() == "2");
  CHECK(auto_device({integrated, discrete, cpu, reference}).id() == "3");
}

TEST_CASE("without a GPU auto picks the CPU backend, and lavapipe runs only when named", "[devices]") {
  const auto devices = list_devices();
  const bool gpu = std::any_of(devices.begin(), devices.end(), [](const DeviceInfo& d) {
    return d.kind == DeviceKind::DiscreteGpu || d.kind == DeviceKind::IntegratedGpu;
  });
  if (!gpu) CHECK(choose_device("auto").kind == DeviceKind::Cpu);
  const bool has_lavapipe = std::any_of(devices.begin(), devices.end(), [](const DeviceInfo& d) {
    return d.kind == DeviceKind::VulkanCpu && d.driver.find("llvmpipe") != std::string::npos;
  });
  if (has_lavapipe) {
    CHECK(choose_device("lavapipe").kind == DeviceKind::VulkanCpu);
    CHECK(choose_device("llvmpipe").kind == DeviceKind::VulkanCpu);
  } else {
    WARN("no lavapipe: naming it is not checked");
  }
}

TEST_CASE("an unknown device name is an error that lists every device", "[devices]") {
  CHECK_THROWS_WITH(choose_device("no-such-device"), Catch::Contains("no device matches 'no-such-device'") &&
                                                         Catch::Contains("cpu: CPU") && Catch::Contains("reference: CPU reference"));
}
