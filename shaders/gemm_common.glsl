// What both GEMM families share: Y[z] = act(alpha * (X[z] * W[z]^T + bias)) + R[z].
// Offsets, row strides (ld) and batch strides are in floats relative to each binding, so
// one shader serves linear layers (z = 1) and per-head attention products (z = heads).
// The including shader declares the bias (binding 2) and residual (binding 3), defines
// load_bias(index) and load_residual(index) for its way of reading memory, and defines
// GEMM_EPILOGUE_ID, the first specialization-constant id after its own.
#include "activation.glsl"

// The epilogue is specialised per product rather than chosen by push constants: lavapipe
// executes both sides of a branch under a mask, so a runtime choice cost every element
// every activation and a residual read (18% of the attention scores' time on YOLOS).
layout(constant_id = GEMM_EPILOGUE_ID) const uint ACTIVATION = ACT_NONE;
layout(constant_id = GEMM_EPILOGUE_ID + 1) const bool HAS_BIAS = false;
layout(constant_id = GEMM_EPILOGUE_ID + 2) const bool HAS_RESIDUAL = false;

layout(push_constant) uniform GemmParams {
  uint M, N, K;
  uint x_offset, x_ld, x_batch;
  uint w_offset, w_ld, w_batch;
  uint y_offset, y_ld, y_batch;
  uint r_offset, b_batch;
  float alpha;
} p;

layout(std430, set = 0, binding = 4) writeonly buffer Out { float y[]; };

// The bias of column n, or 0 without one: read once per column, not per element.
float column_bias(uint z, uint n) {
  return HAS_BIAS ? load_bias(z * p.b_batch + min(n, p.N - 1u)) : 0.0;
}

void store_output(uint z, uint m, uint n, float acc, float column_bias) {
  if (m >= p.M || n >= p.N) return;
  float v = activate(p.alpha * (acc + column_bias), ACTIVATION);
  uint at = z * p.y_batch + m * p.y_ld + n;
  if (HAS_RESIDUAL) v += load_residual(p.r_offset + at);
  y[p.y_offset + at] = v;
}
