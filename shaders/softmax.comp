#version 450
#extension GL_GOOGLE_include_directive : require
// Row softmax of attention scores, in place: workgroup (row, head). Columns from `cols`
// up to the row stride are padding and become 0 so the following P*V product can read
// whole vec4s. Rows the caller asked to see are also copied to the attention output.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint cols;           // valid columns (tokens)
  uint s_ld, s_batch;  // row and head strides of the scores
  uint out_offset;     // first float of this layer (and head chunk) in the attention output
  uint out_batch;      // head stride in the attention output
} p;

layout(std430, set = 0, binding = 0) buffer Scores { float s[]; };
layout(std430, set = 0, binding = 1) readonly buffer Slots { int slot[]; };  // per row: output row or -1
layout(std430, set = 0, binding = 2) writeonly buffer Attention { float attention[]; };

#include "reduce.glsl"

void main() {
  const uint row = gl_WorkGroupID.x;
  const uint head = gl_WorkGroupID.y;
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint base = head * p.s_batch + row * p.s_ld;

  float m = -3.402823466e38;
  for (uint j = lane; j < p.cols; j += lanes) m = max(m, s[base + j]);
  m = workgroup_max(m);

  float sum = 0.0;
  for (uint j = lane; j < p.cols; j += lanes) sum += exp(s[base + j] - m);
  const float inv = 1.0 / workgroup_sum(sum);

  const int out_row = slot[row];
  const uint out_base = p.out_offset + head * p.out_batch + uint(max(out_row, 0)) * p.cols;
  for (uint j = lane; j < p.s_ld; j += lanes) {
    float v = j < p.cols ? exp(s[base + j] - m) * inv : 0.0;
    s[base + j] = v;
    if (out_row >= 0 && j < p.cols) attention[out_base + j] = v;
  }
}
