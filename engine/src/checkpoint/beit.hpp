#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/tensor_reader.hpp"
#include "util/json_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// BEiT in both layouts: relative position bias per layer or shared (model/relative_position_bias.hpp),
// q and v biases without a k bias, LayerScale folded into proj and fc2, and mean pooling
// through a LayerNorm (transformers' pooler.layernorm, timm's fc_norm).

// BeitModel and BeitForImageClassification (config model_type "beit").
const std::vector<std::string>& hf_beit_architectures();
Model read_hf_beit(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config);

// A timm Beit state dict: blocks carry attn.q_bias or attn.relative_position_bias_table.
bool is_timm_beit(const TensorStore& store);
// The position rows a ViT of this grid would have (CLS + patches): from pos_embed when the
// checkpoint has one, else from the square grid the bias table covers.
int64_t timm_beit_position_rows(const TensorStore& store);
// Sets what the rest of a timm config cannot see: the family, the bias, LayerScale, pooling.
void configure_timm_beit(const TensorStore& store, VitConfig& config);
// Block `index` of timm's Beit; the shared rel_pos_bias table, if any, is added to its own.
EncoderLayerWeights read_timm_beit_block(const CheckpointReader& reader, const VitConfig& config, int index);

}  // namespace vitlens
