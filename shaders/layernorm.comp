#version 450
#extension GL_GOOGLE_include_directive : require
// LayerNorm over rows of D floats: one workgroup per row, two passes (mean, then the
// variance of the deviations) for the accuracy of PyTorch's implementation.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint D;
  uint x_offset, x_ld;
  uint y_offset, y_ld;
  float eps;
} p;

layout(std430, set = 0, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 3) writeonly buffer YBuf { float y[]; };

#include "reduce.glsl"

void main() {
  const uint row = gl_WorkGroupID.x;
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint in_row = p.x_offset + row * p.x_ld;

  float s = 0.0;
  for (uint i = lane; i < p.D; i += lanes) s += x[in_row + i];
  const float mean = workgroup_sum(s) / float(p.D);

  float q = 0.0;
  for (uint i = lane; i < p.D; i += lanes) {
    float d = x[in_row + i] - mean;
    q += d * d;
  }
  const float inv_std = inversesqrt(workgroup_sum(q) / float(p.D) + p.eps);

  const uint out_row = p.y_offset + row * p.y_ld;
  for (uint i = lane; i < p.D; i += lanes) y[out_row + i] = (x[in_row + i] - mean) * inv_std * gamma[i] + beta[i];
}
