#include "backend/cpu/threads.hpp"

#include <sched.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "vitlens/util/error.hpp"

namespace vitlens::cpu {
namespace {

int read_int(const std::string& path) {
  std::ifstream in(path);
  int value = -1;
  return in >> value ? value : -1;
}

}  // namespace

int physical_cores() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::set<std::pair<int, int>> cores;
  int logical = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    ++logical;
    const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    const int package = read_int(topology + "physical_package_id"), core = read_int(topology + "core_id");
    cores.insert(package < 0 || core < 0 ? std::pair{-1, cpu} : std::pair{package, core});
  }
  return std::max(1, static_cast<int>(cores.empty() ? logical : cores.size()));
}

int default_threads() {
  if (const char* value = std::getenv("VITLENS_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(value, &end, 10);
    if (end == value || *end != '\0' || n < 1 || n > 4096)
      throw Error(std::string("VITLENS_THREADS is '") + value + "'; it must be a number of threads from 1 to 4096");
    return static_cast<int>(n);
  }
  return physical_cores();
}

}  // namespace vitlens::cpu
