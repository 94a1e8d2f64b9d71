// What the fused attention pass and the attention-rows pass share: where a head's query,
// key and value rows sit in the [tokens, 3 D] QKV matrix, read as vec4 texels, and the
// scaled query, so both passes compute every logit q.k / sqrt(dh) the same way.
// BEiT's relative position bias is looked up from its table by the two tokens' grid
// positions (never a [heads, T, T] tensor) and added to the logit in both passes alike.
// The including shader defines DH4 (the head size in vec4s) and BIAS_BINDING.
layout(set = 0, binding = 0) uniform samplerBuffer QKV;
layout(std430, set = 0, binding = BIAS_BINDING) readonly buffer Bias { float bias_table[]; };

layout(push_constant) uniform AttentionParams {
  uint tokens;
  uint ld;                     // row stride of QKV, in floats
  uint q_offset, k_offset, v_offset;  // first float of head 0's query, key and value columns
  uint head_stride;            // floats between heads' columns (dh)
  uint out_offset, out_ld, out_batch;  // output: first float, row stride, head stride
  uint stats_offset;           // first vec2 of the row statistics (max, sum) of head 0
  float scale;                 // 1 / sqrt(dh)
  // Relative position bias: table [rows, bias_heads] from float bias_offset for a grid_h x
  // grid_w patch grid behind one CLS token; bias_heads 0 means no bias. head0 is the
  // layer's head of this dispatch's head 0.
  uint bias_offset, bias_heads, grid_h, grid_w, head0;
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

// transformers' generate_relative_position_index: three rows after the offsets for
// CLS -> patch, patch -> CLS and CLS -> CLS.
float relative_bias(uint query, uint key, uint head) {
  const uint rows = (2u * p.grid_h - 1u) * (2u * p.grid_w - 1u) + 3u;
  uint row;
  if (query == 0u) {
    row = key == 0u ? rows - 1u : rows - 3u;
  } else if (key == 0u) {
    row = rows - 2u;
  } else {
    const uint qy = (query - 1u) / p.grid_w, qx = (query - 1u) % p.grid_w;
    const uint ky = (key - 1u) / p.grid_w, kx = (key - 1u) % p.grid_w;
    row = (qy + p.grid_h - 1u - ky) * (2u * p.grid_w - 1u) + (qx + p.grid_w - 1u - kx);
  }
  return bias_table[p.bias_offset + row * p.bias_heads + p.head0 + head];
}

// The logit of (query row, key row) with the bias, if the layer has one.
float biased_logit(float s, uint query, uint key, uint head) {
  return p.bias_heads == 0u ? s : s + relative_bias(query, key, head);
}
