#pragma once
#include <optional>
#include <string>

#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// A timm VisionTransformer checkpoint (`path`, its tensors in `store`) with the config.json
// timm saves beside it, if any. Depth, width, MLP and patch size come from the tensor
// shapes; heads, image size and labels from the config, else from the architecture name
// (the config's "architecture", else the file name), else from the shapes.
Model read_timm_model(const std::string& path, const TensorStore& store, const std::optional<std::string>& config_path);

}  // namespace vitlens
