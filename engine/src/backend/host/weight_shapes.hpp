#pragma once
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// Checks that every tensor of the model has the shape its config implies, so the forward
// pass can index without bounds checks. Throws vitlens::Error naming the model and tensor.
void check_weight_shapes(const Model& model);

}  // namespace vitlens::cpu
