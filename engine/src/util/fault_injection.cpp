#include <array>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "util/fault_point.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

// Per fault: how many more operations pass before one fails (0: none armed).
struct Plan {
  std::mutex mutex;
  std::array<int, 2> remaining{};
};

Plan& plan() {
  static Plan instance;
  return instance;
}

void arm(Fault fault, int nth) {
  if (nth < 1) throw Error("VITLENS_FAULT: the count must be 1 or more, got " + std::to_string(nth));
  std::lock_guard lock(plan().mutex);
  plan().remaining[static_cast<size_t>(fault)] = nth;
}

void read_environment_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* spec = std::getenv("VITLENS_FAULT"); spec && *spec) inject_faults_from(spec);
  });
}

}  // namespace

void inject_fault(Fault fault, int nth) {
  read_environment_once();
  arm(fault, nth);
}

void clear_faults() {
  read_environment_once();
  std::lock_guard lock(plan().mutex);
  plan().remaining = {};
}

void inject_faults_from(const std::string& spec) {
  std::istringstream items(spec);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    int nth = 0;
    try {
      nth = colon == std::string::npos ? 0 : std::stoi(item.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (kind == "alloc") arm(Fault::Allocation, nth);
    else if (kind == "device_lost") arm(Fault::DeviceLost, nth);
    else throw Error("VITLENS_FAULT: '" + item + "' is not alloc:N or device_lost:N");
  }
}

bool fault_due(Fault fault) {
  read_environment_once();
  std::lock_guard lock(plan().mutex);
  int& remaining = plan().remaining[static_cast<size_t>(fault)];
  return remaining > 0 && --remaining == 0;
}

}  // namespace vitlens
