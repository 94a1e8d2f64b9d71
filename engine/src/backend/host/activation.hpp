#pragma once
#include "backend/host/matrix.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens::cpu {

double activate(Activation activation, double x);

// Applies the activation to every element in place.
void activate(Activation activation, Matrix& x);
// SwiGLU on fc1's output [rows, 2I]: silu(gate) * value, gate the first I columns -> [rows, I].
Matrix swiglu(const Matrix& x);

}  // namespace vitlens::cpu
