#pragma once
#include "vitlens/util/fault_injection.hpp"

namespace vitlens {

// Called by the operation a Fault names just before it runs: true when this one must fail.
// The first call reads VITLENS_FAULT.
bool fault_due(Fault fault);

}  // namespace vitlens
