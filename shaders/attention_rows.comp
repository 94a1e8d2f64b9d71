#version 450
#extension GL_GOOGLE_include_directive : require
// The attention probabilities of requested query rows, after the fused attention pass:
// exp(q.k / sqrt(dh) - m) / l with the row's (m, l) that pass left in Stats, so the
// logits' computation never depends on which rows are asked for.
// Workgroup (key block, requested row, head); each invocation one key, its key row read as
// a texel gather, the query (the same for all lanes) as a broadcast.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DH4 = 16;
#define BIAS_BINDING 4

#include "attention_common.glsl"

layout(std430, set = 0, binding = 1) readonly buffer Stats { vec2 stats[]; };
layout(std430, set = 0, binding = 2) readonly buffer Queries { int query_token[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Attention { float attention[]; };

void main() {
  const uint key_row = gl_GlobalInvocationID.x;
  const uint slot = gl_WorkGroupID.y;
  const uint head = gl_WorkGroupID.z;
  const uint row = uint(query_token[slot]);
  vec4 q[DH4];
  load_scaled_query(row, head, q);
  const vec2 ml = stats[p.stats_offset + head * p.tokens + row];
  const uint key = min(key_row, p.tokens - 1u);
  const float s = biased_logit(logit(q, qkv_texel(key, p.k_offset, head)), row, key, head);
  if (key_row < p.tokens)
    attention[p.out_offset + head * p.out_batch + slot * p.out_ld + key_row] = exp(s - ml.x) / ml.y;
}
