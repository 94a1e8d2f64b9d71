// What both GEMM families share: Y[z] = act(alpha * (X[z] * W[z]^T + bias)) + R[z].
// Offsets, row strides (ld) and batch strides are in floats relative to each binding, so
// one shader serves linear layers (z = 1) and per-head attention products (z = heads).
// The including shader declares the bias (binding 2) and residual (binding 3) and
// defines load_bias(index) and load_residual(index) for its way of reading memory.
#include "activation.glsl"

#define GEMM_BIAS 1u
#define GEMM_RESIDUAL 2u

layout(push_constant) uniform GemmParams {
  uint M, N, K;
  uint x_offset, x_ld, x_batch;
  uint w_offset, w_ld, w_batch;
  uint y_offset, y_ld, y_batch;
  uint r_offset, b_batch;
  float alpha;
  uint flags;  // GEMM_* bits | activation << 8
} p;

layout(std430, set = 0, binding = 4) writeonly buffer Out { float y[]; };

// The bias of column n, or 0 without one: read once per column, not per element.
float column_bias(uint z, uint n) {
  return (p.flags & GEMM_BIAS) != 0u ? load_bias(z * p.b_batch + min(n, p.N - 1u)) : 0.0;
}

void store_output(uint z, uint m, uint n, float acc, float column_bias) {
  if (m >= p.M || n >= p.N) return;
  float v = activate(p.alpha * (acc + column_bias), p.flags >> 8);
  uint at = z * p.y_batch + m * p.y_ld + n;
  if ((p.flags & GEMM_RESIDUAL) != 0u) v += load_residual(p.r_offset + at);
  y[p.y_offset + at] = v;
}
