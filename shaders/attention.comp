#version 450
#extension GL_GOOGLE_include_directive : require
// Fused attention, softmax(Q K^T / sqrt(dh)) V for every head, with the online softmax of
// FlashAttention-2: keys and values are visited in blocks of BK, each query row keeps its
// running maximum m, sum l and unnormalised output, rescaled when m grows. The T x T scores
// never reach memory. Each row's final (m, l) goes to Stats so that attention_rows can
// write the probabilities of requested rows without changing this pass.
// Workgroup (query block, head); each invocation owns QR query rows, strided by the
// workgroup size. STAGE_SHARED (GPUs): the workgroup copies each block of keys and values
// into shared memory once and every invocation reads it from there. Without it (CPU
// implementations) every invocation reads the block through texel fetches at the same
// address, which lavapipe turns into vector loads, and no barrier is executed.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DH4 = 16;  // head size / 4
layout(constant_id = 2) const uint QR = 1;    // query rows per invocation
layout(constant_id = 3) const uint BK = 16;   // keys per block
layout(constant_id = 4) const bool STAGE_SHARED = false;
layout(constant_id = 5) const uint SHARED_KEYS = 1;  // BK with STAGE_SHARED, else 1
#define BIAS_BINDING 3

#include "attention_common.glsl"

layout(std430, set = 0, binding = 1) writeonly buffer Out { vec4 out_rows[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Stats { vec2 stats[]; };

shared vec4 shared_k[SHARED_KEYS * DH4];
shared vec4 shared_v[SHARED_KEYS * DH4];

const float kLowest = -3.402823466e38;

void stage_block(uint j0, uint head) {
  barrier();
  for (uint i = gl_LocalInvocationID.x; i < BK * DH4; i += gl_WorkGroupSize.x) {
    const uint j = min(j0 + i / DH4, p.tokens - 1u), c = i % DH4;
    shared_k[i] = texelFetch(QKV, qkv_texel(j, p.k_offset, head) + int(c));
    shared_v[i] = texelFetch(QKV, qkv_texel(j, p.v_offset, head) + int(c));
  }
  barrier();
}

vec4 key(uint kk, uint j, uint c, uint head) {
  return STAGE_SHARED ? shared_k[kk * DH4 + c] : texelFetch(QKV, qkv_texel(j, p.k_offset, head) + int(c));
}

vec4 value(uint kk, uint j, uint c, uint head) {
  return STAGE_SHARED ? shared_v[kk * DH4 + c] : texelFetch(QKV, qkv_texel(j, p.v_offset, head) + int(c));
}

void main() {
  const uint head = gl_WorkGroupID.y;
  const uint lanes = gl_WorkGroupSize.x;
  const uint first = gl_WorkGroupID.x * lanes * QR + gl_LocalInvocationID.x;

  vec4 q[QR][DH4];
  vec4 acc[QR][DH4];
  float m[QR], l[QR];
  for (uint i = 0u; i < QR; ++i) {
    load_scaled_query(min(first + i * lanes, p.tokens - 1u), head, q[i]);
    for (uint c = 0u; c < DH4; ++c) acc[i][c] = vec4(0.0);
    m[i] = kLowest;
    l[i] = 0.0;
  }

  for (uint j0 = 0u; j0 < p.tokens; j0 += BK) {
    if (STAGE_SHARED) stage_block(j0, head);
    // Keys past the end re-read the last one and get probability 0.
    float s[QR][BK];
    for (uint kk = 0u; kk < BK; ++kk) {
      const uint j = min(j0 + kk, p.tokens - 1u);
      for (uint i = 0u; i < QR; ++i) s[i][kk] = 0.0;
      for (uint c = 0u; c < DH4; ++c) {
        const vec4 k = key(kk, j, c, head);
        for (uint i = 0u; i < QR; ++i) s[i][kk] += dot(q[i][c], k);
      }
      for (uint i = 0u; i < QR; ++i) s[i][kk] = biased_logit(s[i][kk], min(first + i * lanes, p.tokens - 1u), j, head);
      if (j0 + kk >= p.tokens)
        for (uint i = 0u; i < QR; ++i) s[i][kk] = kLowest;
    }
    for (uint i = 0u; i < QR; ++i) {
      float block_max = s[i][0];
      for (uint kk = 1u; kk < BK; ++kk) block_max = max(block_max, s[i][kk]);
      const float m_new = max(m[i], block_max);
      const float rescale = exp(m[i] - m_new);
      m[i] = m_new;
      l[i] *= rescale;
      for (uint c = 0u; c < DH4; ++c) acc[i][c] *= rescale;
      for (uint kk = 0u; kk < BK; ++kk) {
        s[i][kk] = exp(s[i][kk] - m_new);
        l[i] += s[i][kk];
      }
    }
    for (uint kk = 0u; kk < BK; ++kk) {
      const uint j = min(j0 + kk, p.tokens - 1u);
      for (uint c = 0u; c < DH4; ++c) {
        const vec4 v = value(kk, j, c, head);
        for (uint i = 0u; i < QR; ++i) acc[i][c] += s[i][kk] * v;
      }
    }
  }

  for (uint i = 0u; i < QR; ++i) {
    const uint row = first + i * lanes;
    if (row >= p.tokens) continue;
    const float inv = 1.0 / l[i];
    const uint base = (p.out_offset + row * p.out_ld + head * p.out_batch) / 4u;
    for (uint c = 0u; c < DH4; ++c) out_rows[base + c] = acc[i][c] * inv;
    stats[p.stats_offset + head * p.tokens + row] = vec2(m[i], l[i]);
  }
}
