#include "backend/host/parallel.hpp"

#include <algorithm>
#include <thread>
#include <vector>

namespace vitlens::cpu {

void parallel_for(int count, const std::function<void(int)>& body) {
  const int threads = std::min(count, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (threads <= 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  const auto run_chunk = [&](int t) {
    const int begin = static_cast<int>(static_cast<long long>(count) * t / threads);
    const int end = static_cast<int>(static_cast<long long>(count) * (t + 1) / threads);
    for (int i = begin; i < end; ++i) body(i);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(run_chunk, t);
  run_chunk(0);
  for (auto& w : workers) w.join();
}

}  // namespace vitlens::cpu
