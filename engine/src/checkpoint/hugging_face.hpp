#pragma once
#include <filesystem>

#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// A Hugging Face ViT or DeiT folder: config.json, the tensors in `store` (mapped to the
// canonical VitWeights) and preprocessor_config.json (ViTImageProcessor defaults when absent).
Model read_hf_model(const std::filesystem::path& folder, const TensorStore& store);

}  // namespace vitlens
