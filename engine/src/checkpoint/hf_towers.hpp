#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "util/json_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// The Hugging Face families whose layers are not laid out like ViTModel's: DINOv2 (with and
// without registers) and the CLIP and SigLIP image towers. Each maps its tensors onto the
// canonical VitWeights; `config` is the folder's config.json.

// Dinov2Model, Dinov2ForImageClassification and their WithRegisters twins.
const std::vector<std::string>& hf_dinov2_architectures();
Model read_hf_dinov2(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config);

// CLIPVisionModel, CLIPVisionModelWithProjection, CLIPModel (its vision half), and
// SiglipVisionModel, SiglipModel (its vision half). Text towers are left unread.
const std::vector<std::string>& hf_clip_siglip_architectures();
Model read_hf_clip_siglip(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config);

// The preprocessor_config.json beside config.json, else `fallback`.
PreprocessConfig read_hf_preprocess(const std::filesystem::path& folder, const VitConfig& config, const PreprocessConfig& fallback);

}  // namespace vitlens
