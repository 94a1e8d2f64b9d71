#pragma once
#include "backend/host/matrix.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens::cpu {

double activate(Activation activation, double x);

// Applies the activation to every element in place.
void activate(Activation activation, Matrix& x);
// SwiGLU on fc1's output [rows, 2I]: silu(gate) * value, gate the first I columns -> [rows, I].
Matrix swiglu(const Matrix& x);
// d activation(x) / dx.
double activation_derivative(Activation activation, double x);
// The gradient at swiglu's input [rows, 2I] from the gradient at its output `dy` [rows, I].
Matrix swiglu_backward(const Matrix& x, const Matrix& dy);

}  // namespace vitlens::cpu
