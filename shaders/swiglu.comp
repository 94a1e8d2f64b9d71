#version 450
// SwiGLU between fc1 and fc2 (DINOv2 giant): y[r][i] = silu(x[r][i]) * x[r][I + i] for i < I,
// zero in y's padding columns I..ld_y-1 so that fc2's padded K reads exact zeros.
layout(local_size_x = 64) in;

layout(push_constant) uniform Params {
  uint rows, I, ld_x, ld_y;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float y[]; };

void main() {
  const uint i = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
  if (i >= p.ld_y || r >= p.rows) return;
  float value = 0.0;
  if (i < p.I) {
    const float gate = x[r * p.ld_x + i];
    value = gate / (1.0 + exp(-gate)) * x[r * p.ld_x + p.I + i];
  }
  y[r * p.ld_y + i] = value;
}
