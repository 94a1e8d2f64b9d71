#pragma once

namespace vitlens::cpu {

// SwiGLU (DINOv2 giant's MLP) on fc1's output x [rows, 2I], the gate the first I columns:
// y [rows, I] = silu(gate) · value. Rows are spread over `threads` OpenMP threads.
void swiglu(const float* x, int rows, int half, float* y, int threads);

// The gradient at swiglu's input x [rows, 2I] from the gradient dy [rows, I] at its output.
void swiglu_backward(const float* x, const float* dy, int rows, int half, float* dx, int threads);

}  // namespace vitlens::cpu
