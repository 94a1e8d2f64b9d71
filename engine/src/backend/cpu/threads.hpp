#pragma once

namespace vitlens::cpu {

// The threads the CPU backend uses when the caller asks for none in particular: the
// VITLENS_THREADS environment variable when it holds a positive number, else one per physical
// core this process may run on (hyper-threads share a core's FMA units, so they only add
// contention to GEMMs). Throws vitlens::Error when VITLENS_THREADS is set but is no
// positive number.
int default_threads();

// Cores with distinct (package, core) ids among the CPUs in this process's affinity mask; the
// logical CPU count where the kernel does not say.
int physical_cores();

}  // namespace vitlens::cpu
