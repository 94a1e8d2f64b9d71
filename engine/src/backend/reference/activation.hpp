#pragma once
#include "backend/reference/matrix.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens::cpu {

double activate(Activation activation, double x);

// Applies the activation to every element in place.
void activate(Activation activation, Matrix& x);

}  // namespace vitlens::cpu
