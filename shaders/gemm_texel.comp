#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
// GEMM for Vulkan implementations that run on CPUs (lavapipe). One workgroup is one
// subgroup of LANES invocations; each invocation owns TM rows x TN columns, its columns
// strided by LANES. X and W are read as vec4 along K through texel buffers, which
// lavapipe turns into vector gathers (storage-buffer loads become per-lane loops).
// Needs K, ld and offsets of X and W to be multiples of 4.
// W_INTERLEAVED: W is stored in groups of LANES rows interleaved by vec4 along K (see
// vulkan/weight_layout.hpp), so the LANES vec4s one gather reads are contiguous and each of
// the TN column streams is sequential; otherwise every lane walks its own row of W.
// X_SHARED (the workgroup is exactly one subgroup; TM a multiple of LANES): every lane needs
// the same TM rows of X, so each lane fetches one row in LANES and shuffles hand them round,
// one gather per LANES rows instead of one per row.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 16;
layout(constant_id = 2) const uint TN = 8;
layout(constant_id = 3) const bool W_INTERLEAVED = false;
layout(constant_id = 4) const bool X_SHARED = false;

layout(set = 0, binding = 0) uniform samplerBuffer X;
layout(set = 0, binding = 1) uniform samplerBuffer W;
// Bias and residual are read as texels too: lavapipe gathers them as vectors, where a
// storage-buffer load with a per-lane address becomes a scalar loop.
layout(set = 0, binding = 2) uniform samplerBuffer Bias;
layout(set = 0, binding = 3) uniform samplerBuffer Residual;
float load_bias(uint i) { return texelFetch(Bias, int(i / 4u))[i % 4u]; }
float load_residual(uint i) { return texelFetch(Residual, int(i / 4u))[i % 4u]; }

#define GEMM_EPILOGUE_ID 5
#include "gemm_common.glsl"

void main() {
  const uint lanes = gl_WorkGroupSize.x;
  const uint z = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.x * TM;
  const uint n0 = gl_WorkGroupID.y * lanes * TN + gl_LocalInvocationID.x;

  // Rows and columns past the edge re-read the last one; their results are never stored.
  // With X_SHARED, x_row[g] is this lane's row of the g-th group of LANES rows.
  int x_row[TM];
  for (uint i = 0; i < TM; ++i) {
    const uint m = X_SHARED ? m0 + i * lanes + gl_SubgroupInvocationID : m0 + i;
    x_row[i] = int((p.x_offset + z * p.x_batch + min(m, p.M - 1u) * p.x_ld) / 4u);
  }
  int w_row[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint n = min(n0 + j * lanes, p.N - 1u);
    w_row[j] = W_INTERLEAVED ? int(p.w_offset / 4u + n / lanes * (p.w_ld / 4u) * lanes + n % lanes)
                             : int((p.w_offset + z * p.w_batch + n * p.w_ld) / 4u);
  }
  const int w_step = W_INTERLEAVED ? int(lanes) : 1;

  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  const int steps = int(p.K / 4u);
  for (int k = 0; k < steps; ++k) {
    vec4 a[TM];
    if (X_SHARED) {
      for (uint g = 0; g < TM / lanes; ++g) {
        const vec4 mine = texelFetch(X, x_row[g] + k);
        for (uint i = 0; i < lanes; ++i) a[g * lanes + i] = subgroupShuffle(mine, i);
      }
    } else {
      for (uint i = 0; i < TM; ++i) a[i] = texelFetch(X, x_row[i] + k);
    }
    vec4 w[TN];
    for (uint j = 0; j < TN; ++j) w[j] = texelFetch(W, w_row[j] + k * w_step);
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i][j] += dot(a[i], w[j]);
  }

  float b[TN];
  for (uint j = 0; j < TN; ++j) b[j] = column_bias(z, n0 + j * lanes);
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) store_output(z, m0 + i, n0 + j * lanes, acc[i][j], b[j]);
}
