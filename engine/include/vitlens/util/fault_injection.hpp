#pragma once
#include <string>

namespace vitlens {

// A test hook: makes one Vulkan operation fail on purpose, so tests can check that a failure
// in the middle of a run gives a clear error and leaves a usable session (docs/reliability.md).
// Nothing is armed unless a test calls inject_fault or the process starts with
// VITLENS_FAULT set, e.g. VITLENS_FAULT=alloc:3 or VITLENS_FAULT=device_lost:2
// (several, comma-separated).
enum class Fault {
  Allocation,  // vkAllocateMemory returns VK_ERROR_OUT_OF_DEVICE_MEMORY
  DeviceLost,  // vkQueueSubmit returns VK_ERROR_DEVICE_LOST (nothing is submitted)
};

// Arms `fault` for the `nth` (1-based) such operation from now on; it fires once. Arming a
// fault again replaces its count. Thread-safe.
void inject_fault(Fault fault, int nth);
// Disarms every fault.
void clear_faults();
// Parses a VITLENS_FAULT value ("alloc:3,device_lost:1") and arms what it names; throws
// vitlens::Error for anything else, naming the variable.
void inject_faults_from(const std::string& spec);

}  // namespace vitlens
