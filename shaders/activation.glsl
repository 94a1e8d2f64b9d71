// Activations fused into GEMM epilogues. Ids match vitlens::vk::ActivationId.
#define ACT_NONE 0u
#define ACT_GELU_ERF 1u
#define ACT_GELU_TANH 2u
#define ACT_QUICK_GELU 3u
#define ACT_RELU 4u

// GLSL has no erf. Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, far below the 1e-4
// logit tolerance against PyTorch's exact GELU.
float erf_approx(float x) {
  float z = abs(x);
  float t = 1.0 / (1.0 + 0.3275911 * z);
  float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  float y = 1.0 - poly * exp(-z * z);
  return x < 0.0 ? -y : y;
}

float activate(float x, uint kind) {
  if (kind == ACT_GELU_ERF) return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752));
  if (kind == ACT_GELU_TANH) {
    // Clamped so tanh's exp cannot overflow; tanh(15) == 1 in float.
    float u = clamp(0.79788456080286536 * (x + 0.044715 * x * x * x), -15.0, 15.0);
    return 0.5 * x * (1.0 + tanh(u));
  }
  if (kind == ACT_QUICK_GELU) return x / (1.0 + exp(-1.702 * x));
  if (kind == ACT_RELU) return max(x, 0.0);
  return x;
}

// d activate(x) / dx, for the backward pass.
float activation_derivative(float x, uint kind) {
  if (kind == ACT_GELU_ERF) return 0.5 * (1.0 + erf_approx(x * 0.70710678118654752)) + x * 0.39894228040143268 * exp(-0.5 * x * x);
  if (kind == ACT_GELU_TANH) {
    float t = tanh(clamp(0.79788456080286536 * (x + 0.044715 * x * x * x), -15.0, 15.0));
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.79788456080286536 * (1.0 + 0.134145 * x * x);
  }
  if (kind == ACT_QUICK_GELU) {
    float s = 1.0 / (1.0 + exp(-1.702 * x));
    return s + 1.702 * x * s * (1.0 - s);
  }
  if (kind == ACT_RELU) return x > 0.0 ? 1.0 : 0.0;
  return 1.0;
}
