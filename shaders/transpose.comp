#version 450
// out[c * out_ld + r] = in[in_offset + r * in_ld + c] for r < rows, c < cols. Used to lay
// V out key-major so P * V is a GEMM of the same X * W^T form as every other product.
layout(local_size_x = 8, local_size_y = 8) in;

layout(push_constant) uniform Params {
  uint rows, cols;
  uint in_offset, in_ld;
  uint out_ld;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float dst[]; };

void main() {
  const uint r = gl_GlobalInvocationID.x;
  const uint c = gl_GlobalInvocationID.y;
  if (r < p.rows && c < p.cols) dst[c * p.out_ld + r] = src[p.in_offset + r * p.in_ld + c];
}
