#version 450
#extension GL_GOOGLE_include_directive : require
// The MLP's activation as a pass of its own, for explanations: their forward pass keeps
// fc1's output before the activation (the backward pass differentiates there), so the
// activation cannot be fused into fc1's GEMM. Forward: y = act(x). BACKWARD: y = dy *
// act'(x), the gradient at fc1's output. Columns N..ld-1 of y are written as zeros, so the
// next GEMM's padded K reads exact zeros whatever the padding of x and dy holds.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ACTIVATION = 0;
layout(constant_id = 2) const bool BACKWARD = false;

#include "activation.glsl"

layout(push_constant) uniform Params {
  uint rows, N, ld;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float dy[]; };  // BACKWARD only
layout(std430, set = 0, binding = 2) writeonly buffer Out { float y[]; };

void main() {
  const uint i = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
  if (i >= p.ld || r >= p.rows) return;
  const uint at = r * p.ld + i;
  float value = 0.0;
  if (i < p.N) value = BACKWARD ? dy[at] * activation_derivative(x[at], ACTIVATION) : activate(x[at], ACTIVATION);
  y[at] = value;
}
