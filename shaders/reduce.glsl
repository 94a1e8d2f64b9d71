// Workgroup-wide sum and max. Subgroup operations do the work; when a workgroup holds
// more than one subgroup (GPUs) the partial results meet in shared memory. On lavapipe a
// workgroup is one subgroup and no barrier is executed.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

shared float reduce_partial[64];

float workgroup_sum(float v) {
  v = subgroupAdd(v);
  if (gl_NumSubgroups == 1u) return v;
  barrier();
  if (subgroupElect()) reduce_partial[gl_SubgroupID] = v;
  barrier();
  float total = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; ++i) total += reduce_partial[i];
  return total;
}

float workgroup_max(float v) {
  v = subgroupMax(v);
  if (gl_NumSubgroups == 1u) return v;
  barrier();
  if (subgroupElect()) reduce_partial[gl_SubgroupID] = v;
  barrier();
  float best = reduce_partial[0];
  for (uint i = 1u; i < gl_NumSubgroups; ++i) best = max(best, reduce_partial[i]);
  return best;
}
