#pragma once
#include <string>

#include "vitlens/model/model.hpp"

namespace vitlens {

// Loads a Hugging Face model folder (config.json + model.safetensors or a sharded index) or
// a timm .safetensors file (with an optional config.json beside it). Throws vitlens::Error
// naming the file and the problem.
Model load_model(const std::string& path);

}  // namespace vitlens
