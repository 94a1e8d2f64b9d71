#version 450
// SwiGLU between fc1 and fc2 (DINOv2 giant) over x = [gate | value], I columns each.
// Forward: y[r][i] = silu(gate) * value for i < I, zero in y's padding columns I..ld_y-1 so
// that fc2's padded K reads exact zeros. BACKWARD (explanations): x is fc1's output, dy the
// gradient at y ([rows, ld_y]); y receives the gradient at x, [rows, ld_x], its padding
// zero as well.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool BACKWARD = false;

layout(push_constant) uniform Params {
  uint rows, I, ld_x, ld_y;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float dy[]; };  // BACKWARD only
layout(std430, set = 0, binding = 2) writeonly buffer Out { float y[]; };

void forward_column(uint r, uint i) {
  float value = 0.0;
  if (i < p.I) {
    const float gate = x[r * p.ld_x + i];
    value = gate / (1.0 + exp(-gate)) * x[r * p.ld_x + p.I + i];
  }
  y[r * p.ld_y + i] = value;
}

// Column i < I of the output is the gate's gradient, I + i the value's.
void backward_column(uint r, uint i) {
  float grad = 0.0;
  const uint half_column = i < p.I ? i : i - p.I;
  if (i < 2u * p.I) {
    const float gate = x[r * p.ld_x + half_column];
    const float g = dy[r * p.ld_y + half_column];
    const float sigmoid = 1.0 / (1.0 + exp(-gate));
    grad = i < p.I ? g * x[r * p.ld_x + p.I + i] * sigmoid * (1.0 + gate * (1.0 - sigmoid)) : g * gate * sigmoid;
  }
  y[r * p.ld_x + i] = grad;
}

void main() {
  const uint i = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
  if (r >= p.rows) return;
  if (BACKWARD) {
    if (i < p.ld_x) backward_column(r, i);
  } else if (i < p.ld_y) {
    forward_column(r, i);
  }
}
