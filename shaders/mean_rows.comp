#version 450
// out[d] = mean of x[r * ld + d] over rows first..first+count-1: timm's average pooling
// of the patch tokens.
layout(local_size_x = 64) in;

layout(push_constant) uniform Params {
  uint D, ld, first, count;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float y[]; };

void main() {
  const uint d = gl_GlobalInvocationID.x;
  if (d >= p.D) return;
  float s = 0.0;
  for (uint r = 0u; r < p.count; ++r) s += x[(p.first + r) * p.ld + d];
  y[d] = s / float(p.count);
}
