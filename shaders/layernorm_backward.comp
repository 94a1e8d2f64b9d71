#version 450
#extension GL_GOOGLE_include_directive : require
// The gradient through LayerNorm: with x^ = (x - mean) / std and g = dy * gamma,
// dx = (g - mean(g) - x^ * mean(g * x^)) / std, plus the gradient arriving around the norm
// through the residual connection when HAS_RESIDUAL. One workgroup per row; the row's
// statistics are recomputed from x as the forward pass computed them (two passes).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool HAS_RESIDUAL = false;

layout(push_constant) uniform Params {
  uint D;
  uint x_offset, dy_offset, r_offset, y_offset;  // in vec4s; every operand has row stride D
  float eps;
} p;

layout(std430, set = 0, binding = 0) readonly buffer XBuf { vec4 x[]; };
layout(std430, set = 0, binding = 1) readonly buffer GradBuf { vec4 dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer GammaBuf { vec4 gamma[]; };
layout(std430, set = 0, binding = 3) readonly buffer ResidualBuf { vec4 residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer YBuf { vec4 y[]; };

#include "reduce.glsl"

float sum4(vec4 v) { return v.x + v.y + v.z + v.w; }

void main() {
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint n4 = p.D / 4u;
  const uint row = gl_WorkGroupID.x * n4;
  const uint xr = p.x_offset + row, gr = p.dy_offset + row;

  vec4 s = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) s += x[xr + i];
  const float mean = workgroup_sum(sum4(s)) / float(p.D);
  vec4 q = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) {
    vec4 d = x[xr + i] - mean;
    q += d * d;
  }
  const float inv_std = inversesqrt(workgroup_sum(sum4(q)) / float(p.D) + p.eps);

  vec4 g_sum = vec4(0.0), gx_sum = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) {
    vec4 g = dy[gr + i] * gamma[i];
    g_sum += g;
    gx_sum += g * (x[xr + i] - mean) * inv_std;
  }
  const float g_mean = workgroup_sum(sum4(g_sum)) / float(p.D);
  const float gx_mean = workgroup_sum(sum4(gx_sum)) / float(p.D);

  for (uint i = lane; i < n4; i += lanes) {
    vec4 x_hat = (x[xr + i] - mean) * inv_std;
    vec4 dx = (dy[gr + i] * gamma[i] - g_mean - x_hat * gx_mean) * inv_std;
    if (HAS_RESIDUAL) dx += residual[p.r_offset + row + i];
    y[p.y_offset + row + i] = dx;
  }
}
