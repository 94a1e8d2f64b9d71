#version 450
#extension GL_GOOGLE_include_directive : require
// Row softmax of attention scores, in place: workgroup (row, head). Columns from `cols`
// up to the row stride (a multiple of 4) are padding and become 0 so the following P*V
// product can read whole vec4s. Rows the caller asked to see are also copied to the
// attention output. Scores are read as vec4 texels (a vector gather on lavapipe) and
// written through the storage binding of the same memory; each element is read before it
// is written, by the same invocation.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint cols;           // valid columns (tokens)
  uint s_ld, s_batch;  // row and head strides of the scores
  uint out_offset;     // first float of this layer (and head chunk) in the attention output
  uint out_batch;      // head stride in the attention output
} p;

layout(set = 0, binding = 0) uniform samplerBuffer S;
layout(std430, set = 0, binding = 1) writeonly buffer Probabilities { vec4 prob[]; };
layout(std430, set = 0, binding = 2) readonly buffer Slots { int slot[]; };  // per row: output row or -1
layout(std430, set = 0, binding = 3) writeonly buffer Attention { float attention[]; };

#include "reduce.glsl"

const float kLowest = -3.402823466e38;

// The scores of columns 4i..4i+3, padding columns masked to the lowest float.
vec4 scores(int base, uint i) {
  vec4 v = texelFetch(S, base + int(i));
  uint c = i * 4u;
  return vec4(c < p.cols ? v.x : kLowest, c + 1u < p.cols ? v.y : kLowest, c + 2u < p.cols ? v.z : kLowest,
              c + 3u < p.cols ? v.w : kLowest);
}

void main() {
  const uint row = gl_WorkGroupID.x;
  const uint head = gl_WorkGroupID.y;
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint n4 = p.s_ld / 4u;
  const uint base = (head * p.s_batch + row * p.s_ld) / 4u;

  vec4 m4 = vec4(kLowest);
  for (uint i = lane; i < n4; i += lanes) m4 = max(m4, scores(int(base), i));
  const float m = workgroup_max(max(max(m4.x, m4.y), max(m4.z, m4.w)));

  vec4 sum4 = vec4(0.0);
  for (uint i = lane; i < n4; i += lanes) sum4 += exp(scores(int(base), i) - m);
  const float inv = 1.0 / workgroup_sum(sum4.x + sum4.y + sum4.z + sum4.w);

  const int out_row = slot[row];
  const uint out_base = p.out_offset + head * p.out_batch + uint(max(out_row, 0)) * p.cols;
  for (uint i = lane; i < n4; i += lanes) {
    vec4 v = exp(scores(int(base), i) - m) * inv;
    prob[base + i] = v;
    if (out_row >= 0)
      for (uint k = 0u; k < 4u; ++k)
        if (i * 4u + k < p.cols) attention[out_base + i * 4u + k] = v[k];
  }
}
