#pragma once
#include <cstdint>

namespace vitlens {

// Exact widening of IEEE half precision (F16) to float32, subnormals, infinities and NaN
// included: every F16 value is representable in float32.
float f16_to_f32(uint16_t bits);

// bfloat16 is the upper half of a float32, so widening is a shift.
float bf16_to_f32(uint16_t bits);

}  // namespace vitlens
