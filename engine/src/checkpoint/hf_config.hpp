#pragma once
#include <string>
#include <utility>
#include <vector>

#include "util/json_file.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens {

// Reading the fields every Hugging Face vision config.json spells the same way.

// The BERT-style encoder fields ViTConfig, YolosConfig and BeitConfig share, with their
// shared defaults (ViT-B/16 at 224; a saved config.json may omit any): hidden_size,
// num_hidden_layers, num_attention_heads, intermediate_size, hidden_act, layer_norm_eps,
// image_size, patch_size and num_channels. The format is "huggingface".
VitConfig parse_hf_encoder(const JsonFile& config);

// hidden_act: gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, quick_gelu, relu.
Activation parse_hf_activation(const JsonFile& config, const std::string& fallback);

// image_size and patch_size: an int or a [height, width] pair.
std::pair<int, int> hf_height_width(const JsonFile& config, const std::string& key, int fallback);

// patch_size, which must be square (an int or an equal [height, width] pair).
int hf_square_patch_size(const JsonFile& config, int fallback);

// One label per class from id2label ("LABEL_i" for classes it does not name); a detector
// without id2label over COCO's 91 ids gets the COCO names.
std::vector<std::string> parse_hf_labels(const JsonFile& config, int num_classes, bool detector);

// Classes from id2label, else num_labels, else `classifier_rows` (the classifier's rows).
int count_hf_classes(const JsonFile& config, int classifier_rows);

// The architecture config.json names first in "architectures" (fails when there is none).
std::string hf_architecture_name(const JsonFile& config);

}  // namespace vitlens
