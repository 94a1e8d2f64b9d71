#version 450
// out[c * out_ld + r] = in[in_offset + r * in_ld + c] for r < rows, c < cols. Used to lay
// V out key-major so P * V is a GEMM of the same X * W^T form as every other product.
// Each invocation moves four columns read as one vec4 texel (a vector gather on
// lavapipe); cols, in_ld and in_offset are multiples of 4.
layout(local_size_x = 8, local_size_y = 8) in;

layout(push_constant) uniform Params {
  uint rows, cols;
  uint in_offset, in_ld;
  uint out_ld;
} p;

layout(set = 0, binding = 0) uniform samplerBuffer Src;
layout(std430, set = 0, binding = 1) writeonly buffer Out { float dst[]; };

void main() {
  const uint r = gl_GlobalInvocationID.x;
  const uint c = gl_GlobalInvocationID.y * 4u;
  if (r >= p.rows || c >= p.cols) return;
  const vec4 v = texelFetch(Src, int((p.in_offset + r * p.in_ld + c) / 4u));
  for (uint k = 0u; k < 4u; ++k) dst[(c + k) * p.out_ld + r] = v[k];
}
