#version 450
// out[b][c][r] = in[b][r][c]: a batch of rows x cols matrices transposed through a shared
// 16 x 16 tile, so both the reads and the writes run along rows. out's rows are out_ld
// floats (>= rows, a multiple of 4) with zeros past `rows`: the backward pass of attention
// multiplies transposed operands (K^T, Q^T, dC^T, dS^T, A^T) along the token axis with the
// kernel family's GEMM, which reads K in vec4s.
layout(local_size_x = 16, local_size_y = 16) in;

layout(push_constant) uniform Params {
  uint rows, cols;
  uint in_offset, in_ld, in_batch;
  uint out_ld, out_batch;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float y[]; };

shared float tile[16][17];

void main() {
  const uint b = gl_WorkGroupID.z;
  const uint r0 = gl_WorkGroupID.x * 16u, c0 = gl_WorkGroupID.y * 16u;
  const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
  const uint r = r0 + ly, c = c0 + lx;
  tile[ly][lx] = r < p.rows && c < p.cols ? x[p.in_offset + b * p.in_batch + r * p.in_ld + c] : 0.0;
  barrier();
  // Written transposed: row c0 + ly of out, column r0 + lx (zero in the padding).
  const uint out_row = c0 + ly, out_col = r0 + lx;
  if (out_row < p.cols && out_col < p.out_ld) y[b * p.out_batch + out_row * p.out_ld + out_col] = tile[lx][ly];
}
