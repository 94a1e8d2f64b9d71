#include "checkpoint/hf_config.hpp"

#include <charconv>
#include <tuple>

#include "vitlens/detection/postprocess.hpp"

namespace vitlens {
namespace {

using json = nlohmann::json;

int parse_label_index(const JsonFile& config, const std::string& key, size_t count) {
  int index = -1;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (error != std::errc() || end != key.data() + key.size() || index < 0 || static_cast<size_t>(index) >= count)
    config.fail("id2label key '" + key + "' is not a class index between 0 and " + std::to_string(count - 1));
  return index;
}

}  // namespace

VitConfig parse_hf_encoder(const JsonFile& config) {
  VitConfig c;
  c.format = "huggingface";
  c.hidden_size = config.integer("hidden_size", 768);
  c.num_layers = config.integer("num_hidden_layers", 12);
  c.num_heads = config.integer("num_attention_heads", 12);
  c.mlp_size = config.integer("intermediate_size", 3072);
  c.activation = parse_hf_activation(config, "gelu");
  c.layer_norm_eps = config.number("layer_norm_eps", 1e-12);
  std::tie(c.image_height, c.image_width) = hf_height_width(config, "image_size", 224);
  c.patch_size = hf_square_patch_size(config, 16);
  c.num_channels = config.integer("num_channels", 3);
  return c;
}

Activation parse_hf_activation(const JsonFile& config, const std::string& fallback) {
  const std::string name = config.string("hidden_act", fallback);
  if (name == "gelu") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh") return Activation::GeluTanh;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "relu") return Activation::Relu;
  config.fail("hidden_act '" + name + "' is not supported (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, quick_gelu, relu)");
}

std::pair<int, int> hf_height_width(const JsonFile& config, const std::string& key, int fallback) {
  if (!config.has(key)) return {fallback, fallback};
  const json& value = config.root()[key];
  if (value.is_array() && value.size() == 2 && value[0].is_number_integer() && value[1].is_number_integer()) return {value[0].get<int>(), value[1].get<int>()};
  const int side = config.integer(key, fallback);
  return {side, side};
}

int hf_square_patch_size(const JsonFile& config, int fallback) {
  const auto [height, width] = hf_height_width(config, "patch_size", fallback);
  if (height != width) config.fail("non-square patch_size [" + std::to_string(height) + ", " + std::to_string(width) + "] is not supported");
  return height;
}

std::vector<std::string> parse_hf_labels(const JsonFile& config, int num_classes, bool detector) {
  std::vector<std::string> labels;
  if (num_classes <= 0) return labels;
  if (detector && !config.has("id2label") && num_classes == static_cast<int>(coco91_labels().size())) return coco91_labels();
  for (int i = 0; i < num_classes; ++i) labels.push_back("LABEL_" + std::to_string(i));
  if (!config.has("id2label")) return labels;
  const JsonFile id2label = config.object("id2label");
  for (const auto& [key, value] : id2label.root().items()) {
    if (!value.is_string()) config.fail("id2label entry '" + key + "' is not a string");
    labels[static_cast<size_t>(parse_label_index(config, key, labels.size()))] = value.get<std::string>();
  }
  return labels;
}

int count_hf_classes(const JsonFile& config, int classifier_rows) {
  if (config.has("id2label")) return static_cast<int>(config.object("id2label").root().size());
  if (config.has("num_labels")) return config.integer("num_labels", 0);
  return classifier_rows;
}

std::string hf_architecture_name(const JsonFile& config) {
  const json& listed = config.root().value("architectures", json());
  if (!listed.is_array() || listed.empty() || !listed[0].is_string()) config.fail("has no \"architectures\" list naming the model class");
  return listed[0].get<std::string>();
}

}  // namespace vitlens
