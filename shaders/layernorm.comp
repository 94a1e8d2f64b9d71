#version 450
#extension GL_GOOGLE_include_directive : require
// LayerNorm over rows of D floats (D a multiple of 4): one workgroup per row, two passes
// (mean, then the variance of the deviations) for the accuracy of PyTorch's
// implementation. Inputs are read as vec4 texels: on lavapipe a texel fetch is a vector
// gather where a storage-buffer load with a per-lane address is a scalar loop.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint D;
  uint x_offset, x_ld;
  uint y_offset, y_ld;
  float eps;
} p;

layout(set = 0, binding = 0) uniform samplerBuffer X;
layout(set = 0, binding = 1) uniform samplerBuffer Gamma;
layout(set = 0, binding = 2) uniform samplerBuffer Beta;
layout(std430, set = 0, binding = 3) writeonly buffer YBuf { vec4 y[]; };

#include "reduce.glsl"

void main() {
  const uint row = gl_WorkGroupID.x;
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint n4 = p.D / 4u;
  const int in_row = int((p.x_offset + row * p.x_ld) / 4u);

  vec4 s = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) s += texelFetch(X, in_row + int(i));
  const float mean = workgroup_sum(s.x + s.y + s.z + s.w) / float(p.D);

  vec4 q = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) {
    vec4 d = texelFetch(X, in_row + int(i)) - mean;
    q += d * d;
  }
  const float inv_std = inversesqrt(workgroup_sum(q.x + q.y + q.z + q.w) / float(p.D) + p.eps);

  const uint out_row = (p.y_offset + row * p.y_ld) / 4u;
  for (uint i = lane; i < n4; i += lanes)
    y[out_row + i] = (texelFetch(X, in_row + int(i)) - mean) * inv_std * texelFetch(Gamma, int(i)) + texelFetch(Beta, int(i));
}
