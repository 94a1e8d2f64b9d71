#version 450
#extension GL_GOOGLE_include_directive : require
// GEMM for Vulkan implementations that run on CPUs (lavapipe). One workgroup is one
// subgroup of LANES invocations; each invocation owns TM rows x TN columns, its columns
// strided by LANES. X and W are read as vec4 along K through texel buffers, which
// lavapipe turns into vector gathers (storage-buffer loads become per-lane loops).
// Needs K, ld and offsets of X and W to be multiples of 4.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 16;
layout(constant_id = 2) const uint TN = 8;

layout(set = 0, binding = 0) uniform samplerBuffer X;
layout(set = 0, binding = 1) uniform samplerBuffer W;
// Bias and residual are read as texels too: lavapipe gathers them as vectors, where a
// storage-buffer load with a per-lane address becomes a scalar loop.
layout(set = 0, binding = 2) uniform samplerBuffer Bias;
layout(set = 0, binding = 3) uniform samplerBuffer Residual;
float load_bias(uint i) { return texelFetch(Bias, int(i / 4u))[i % 4u]; }
float load_residual(uint i) { return texelFetch(Residual, int(i / 4u))[i % 4u]; }

#include "gemm_common.glsl"

void main() {
  const uint lanes = gl_WorkGroupSize.x;
  const uint z = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * TM;
  const uint n0 = gl_WorkGroupID.x * lanes * TN + gl_LocalInvocationID.x;

  // Rows and columns past the edge re-read the last one; their results are never stored.
  int x_row[TM];
  for (uint i = 0; i < TM; ++i)
    x_row[i] = int((p.x_offset + z * p.x_batch + min(m0 + i, p.M - 1u) * p.x_ld) / 4u);
  int w_row[TN];
  for (uint j = 0; j < TN; ++j)
    w_row[j] = int((p.w_offset + z * p.w_batch + min(n0 + j * lanes, p.N - 1u) * p.w_ld) / 4u);

  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  const int steps = int(p.K / 4u);
  for (int k = 0; k < steps; ++k) {
    vec4 a[TM];
    for (uint i = 0; i < TM; ++i) a[i] = texelFetch(X, x_row[i] + k);
    vec4 w[TN];
    for (uint j = 0; j < TN; ++j) w[j] = texelFetch(W, w_row[j] + k);
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i][j] += dot(a[i], w[j]);
  }

  float b[TN];
  for (uint j = 0; j < TN; ++j) b[j] = column_bias(z, n0 + j * lanes);
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) store_output(z, m0 + i, n0 + j * lanes, acc[i][j], b[j]);
}
