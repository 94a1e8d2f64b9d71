// What the fused attention pass and the attention-rows pass share: where a head's query,
// key and value rows sit in the [tokens, 3 D] QKV matrix, read as vec4 texels, and the
// scaled query, so both passes compute every logit q.k / sqrt(dh) the same way.
// The including shader defines DH4 (the head size in vec4s) and binds the QKV matrix.
layout(set = 0, binding = 0) uniform samplerBuffer QKV;

layout(push_constant) uniform AttentionParams {
  uint tokens;
  uint ld;                     // row stride of QKV, in floats
  uint q_offset, k_offset, v_offset;  // first float of head 0's query, key and value columns
  uint head_stride;            // floats between heads' columns (dh)
  uint out_offset, out_ld, out_batch;  // output: first float, row stride, head stride
  uint stats_offset;           // first vec2 of the row statistics (max, sum) of head 0
  float scale;                 // 1 / sqrt(dh)
} p;

int qkv_texel(uint row, uint column_offset, uint head) {
  return int((row * p.ld + column_offset + head * p.head_stride) / 4u);
}

void load_scaled_query(uint row, uint head, out vec4 q[DH4]) {
  const int base = qkv_texel(row, p.q_offset, head);
  for (uint c = 0u; c < DH4; ++c) q[c] = texelFetch(QKV, base + int(c)) * p.scale;
}

float logit(const vec4 q[DH4], int key_base) {
  float s = 0.0;
  for (uint c = 0u; c < DH4; ++c) s += dot(q[c], texelFetch(QKV, key_base + int(c)));
  return s;
}
