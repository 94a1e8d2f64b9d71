#pragma once
#include <functional>

namespace vitlens::cpu {

// Runs body(i) for every i in [0, count), spread over the hardware threads in contiguous
// chunks. Bodies must write disjoint memory.
void parallel_for(int count, const std::function<void(int)>& body);

}  // namespace vitlens::cpu
