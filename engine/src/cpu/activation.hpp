#pragma once
#include "cpu/matrix.hpp"
#include "vitlens/model_config.hpp"

namespace vitlens::cpu {

double activate(Activation activation, double x);

// Applies the activation to every element in place.
void activate(Activation activation, Matrix& x);

}  // namespace vitlens::cpu
