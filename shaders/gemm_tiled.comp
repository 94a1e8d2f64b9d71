#version 450
#extension GL_GOOGLE_include_directive : require
// GEMM for GPUs: BM x BN output tiles staged through shared memory in BK-deep slices,
// each invocation accumulating a TM x TN register block. Tile sizes are specialization
// constants chosen per device; the workgroup has (BM/TM) * (BN/TN) invocations.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

layout(std430, set = 0, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer WBuf { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { float residual[]; };
float load_bias(uint i) { return bias[i]; }
float load_residual(uint i) { return residual[i]; }

#define GEMM_EPILOGUE_ID 6
#include "gemm_common.glsl"

shared float tile_x[BK * BM];
shared float tile_w[BK * BN];

void main() {
  const uint threads = gl_WorkGroupSize.x;
  const uint tid = gl_LocalInvocationID.x;
  const uint z = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * BM;
  const uint n0 = gl_WorkGroupID.x * BN;
  const uint tm = (tid / (BN / TN)) * TM;  // this invocation's block inside the tile
  const uint tn = (tid % (BN / TN)) * TN;
  const uint x_base = p.x_offset + z * p.x_batch;
  const uint w_base = p.w_offset + z * p.w_batch;

  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.K; k0 += BK) {
    // Stored k-major so the inner loop reads consecutive rows/columns.
    for (uint e = tid; e < BK * BM; e += threads) {
      uint r = e / BK, k = e % BK;
      bool inside = m0 + r < p.M && k0 + k < p.K;
      tile_x[k * BM + r] = inside ? x[x_base + (m0 + r) * p.x_ld + k0 + k] : 0.0;
    }
    for (uint e = tid; e < BK * BN; e += threads) {
      uint c = e / BK, k = e % BK;
      bool inside = n0 + c < p.N && k0 + k < p.K;
      tile_w[k * BN + c] = inside ? w[w_base + (n0 + c) * p.w_ld + k0 + k] : 0.0;
    }
    barrier();
    for (uint k = 0; k < BK; ++k) {
      float a[TM];
      float b[TN];
      for (uint i = 0; i < TM; ++i) a[i] = tile_x[k * BM + tm + i];
      for (uint j = 0; j < TN; ++j) b[j] = tile_w[k * BN + tn + j];
      for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  float b[TN];
  for (uint j = 0; j < TN; ++j) b[j] = column_bias(z, n0 + tn + j);
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) store_output(z, m0 + tm + i, n0 + tn + j, acc[i][j], b[j]);
}
