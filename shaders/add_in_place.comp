#version 450
// y[i] += a[i] for i < count: YOLOS's mid-position embeddings added to the hidden state
// after a layer. A grid-stride loop, so any count fits in a bounded dispatch.
layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint count;
} p;

layout(std430, set = 0, binding = 0) readonly buffer Addend { float a[]; };
layout(std430, set = 0, binding = 1) buffer Target { float y[]; };

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += stride) y[i] += a[i];
}
