#version 450
#extension GL_GOOGLE_include_directive : require
// From the gradient at the attention probabilities to the gradient at the logits:
// dS = scale * A * (dA - sum_k A dA) per row, with scale = 1 / sqrt(dh) folded in so that
// dQ = dS K and dK = dS^T Q need no scaling. A and dA are [heads, tokens, tokens], dS
// [heads, tokens, out_ld] with zeros past `tokens` (the GEMMs read it in vec4s); one
// workgroup per (row, head).
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint tokens, out_ld;
  float scale;
} p;

layout(std430, set = 0, binding = 0) readonly buffer Probs { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer ProbsGrad { float da[]; };
layout(std430, set = 0, binding = 2) writeonly buffer LogitsGrad { float ds[]; };

#include "reduce.glsl"

void main() {
  const uint lanes = gl_WorkGroupSize.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint row = gl_WorkGroupID.y * p.tokens + gl_WorkGroupID.x;
  const uint base = row * p.tokens, out_base = row * p.out_ld;
  float partial = 0.0;
  for (uint k = lane; k < p.tokens; k += lanes) partial += a[base + k] * da[base + k];
  const float dot_a_da = workgroup_sum(partial);
  for (uint k = lane; k < p.out_ld; k += lanes)
    ds[out_base + k] = k < p.tokens ? p.scale * a[base + k] * (da[base + k] - dot_a_da) : 0.0;
}
