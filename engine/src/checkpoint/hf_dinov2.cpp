#include <algorithm>

#include "checkpoint/config_validation.hpp"
#include "checkpoint/hf_config.hpp"
#include "checkpoint/hf_towers.hpp"
#include "checkpoint/preprocessor_config.hpp"
#include "checkpoint/tensor_reader.hpp"
#include "model/tensor_layout.hpp"

namespace vitlens {
namespace {

struct Variant {
  std::string name;
  std::string prefix;  // of the backbone's tensors in a classifier
  bool registers;
  bool classifier;
};

const std::vector<Variant>& variants() {
  static const std::vector<Variant> known{
      {"Dinov2Model", "", false, false},
      {"Dinov2ForImageClassification", "dinov2.", false, true},
      {"Dinov2WithRegistersModel", "", true, false},
      {"Dinov2WithRegistersForImageClassification", "dinov2_with_registers.", true, true},
  };
  return known;
}

const Variant& find_variant(const std::string& name) {
  return *std::find_if(variants().begin(), variants().end(), [&](const Variant& v) { return v.name == name; });
}

// transformers' Dinov2MLP / Dinov2SwiGLUFFN hidden widths.
int mlp_width(const JsonFile& config, int hidden_size, bool swiglu) {
  const int plain = static_cast<int>(hidden_size * config.number("mlp_ratio", 4.0));
  return swiglu ? (static_cast<int>(plain * 2.0 / 3.0) + 7) / 8 * 8 : plain;
}

// Defaults are those of transformers' Dinov2Config.
VitConfig parse_config(const JsonFile& config, const Variant& variant) {
  VitConfig c;
  c.architecture = variant.name;
  c.format = "huggingface";
  c.family = variant.registers ? "DINOv2 with registers" : "DINOv2";
  c.hidden_size = config.integer("hidden_size", 768);
  c.num_layers = config.integer("num_hidden_layers", 12);
  c.num_heads = config.integer("num_attention_heads", 12);
  c.mlp = config.boolean("use_swiglu_ffn", false) ? MlpKind::SwiGlu : MlpKind::Plain;
  c.mlp_size = mlp_width(config, c.hidden_size, c.mlp == MlpKind::SwiGlu);
  c.activation = parse_hf_activation(config, "gelu");
  c.layer_norm_eps = config.number("layer_norm_eps", 1e-6);
  std::tie(c.image_height, c.image_width) = hf_height_width(config, "image_size", 224);
  c.patch_size = hf_square_patch_size(config, 14);
  c.num_channels = config.integer("num_channels", 3);
  c.num_register_tokens = variant.registers ? config.integer("num_register_tokens", 4) : 0;
  if (c.num_register_tokens < 0) config.fail("num_register_tokens is " + std::to_string(c.num_register_tokens) + ", but must not be negative");
  c.num_prefix_tokens = 1 + c.num_register_tokens;
  // The registers model resamples with antialias=True, the plain one without.
  c.position_resample = variant.registers ? PositionResample::AntialiasedBicubic : PositionResample::Bicubic;
  c.layer_scale = true;
  c.pooling = variant.classifier ? Pooling::ClsAndMean : Pooling::Token;
  return c;
}

EncoderLayerWeights read_layer(const CheckpointReader& reader, const VitConfig& c, const std::string& base, bool qkv_bias) {
  const int64_t d = c.hidden_size, hidden = c.mlp_size;
  const std::string attention = base + "attention.attention.";
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "norm1", d);
  layer.qkv = reader.fused_qkv(attention + "query", attention + "key", attention + "value", d, qkv_bias);
  layer.proj = reader.linear(base + "attention.output.dense", d, d);
  layer.norm2 = reader.layer_norm(base + "norm2", d);
  if (c.mlp == MlpKind::SwiGlu) {
    layer.fc1 = reader.linear(base + "mlp.weights_in", 2 * hidden, d);
    layer.fc2 = reader.linear(base + "mlp.weights_out", d, hidden);
  } else {
    layer.fc1 = reader.linear(base + "mlp.fc1", hidden, d);
    layer.fc2 = reader.linear(base + "mlp.fc2", d, hidden);
  }
  reader.fold_optional_layer_scale(base + "layer_scale1.lambda1", layer.proj);
  reader.fold_optional_layer_scale(base + "layer_scale2.lambda1", layer.fc2);
  return layer;
}

VitWeights read_weights(const CheckpointReader& reader, const VitConfig& c, const Variant& variant, bool qkv_bias) {
  const int64_t d = c.hidden_size, p = c.patch_size;
  const std::string embeddings = variant.prefix + "embeddings.";
  const std::string width = "hidden_size " + std::to_string(d);
  VitWeights w;
  w.patch_embed.weight = reshaped(reader.tensor(embeddings + "patch_embeddings.projection.weight", {d, c.num_channels, p, p}, width + ", patch_size " + std::to_string(p)),
                                  {d, c.num_channels * p * p});
  w.patch_embed.bias = reader.tensor(embeddings + "patch_embeddings.projection.bias", {d}, width);
  std::vector<Tensor> prefix{reader.tensor(embeddings + "cls_token", {1, 1, d}, width)};
  if (c.num_register_tokens > 0)
    prefix.push_back(reader.tensor(embeddings + "register_tokens", {1, c.num_register_tokens, d}, "num_register_tokens " + std::to_string(c.num_register_tokens)));
  w.prefix_tokens = concat_rows(prefix, d);
  const int64_t positions = 1 + int64_t{c.grid_height()} * c.grid_width();
  w.pos_embed = reshaped(reader.tensor(embeddings + "position_embeddings", {1, positions, d},
                                       "image_size " + std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " / patch_size " + std::to_string(p) + " + CLS"),
                         {positions, d});
  for (int i = 0; i < c.num_layers; ++i) w.layers.push_back(read_layer(reader, c, variant.prefix + "encoder.layer." + std::to_string(i) + ".", qkv_bias));
  w.final_norm = reader.layer_norm(variant.prefix + "layernorm", d);
  // Only masked-image pre-training uses the mask token.
  reader.store().skip(embeddings + "mask_token");
  if (c.num_classes > 0) w.heads.push_back(reader.linear("classifier", c.num_classes, 2 * d));
  return w;
}

PreprocessConfig default_preprocess() {
  // BitImageProcessor as DINOv2's hub folders configure it.
  PreprocessConfig p;
  p.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
  p.shortest_edge = 256;
  p.resample = Resample::Bicubic;
  p.do_center_crop = true;
  p.crop_height = p.crop_width = 224;
  p.mean = {0.485f, 0.456f, 0.406f};
  p.std = {0.229f, 0.224f, 0.225f};
  return p;
}

}  // namespace

const std::vector<std::string>& hf_dinov2_architectures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const Variant& v : variants()) all.push_back(v.name);
    return all;
  }();
  return names;
}

Model read_hf_dinov2(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config) {
  const Variant& variant = find_variant(hf_architecture_name(config));
  Model model;
  model.path = folder.string();
  model.config = parse_config(config, variant);
  if (variant.classifier) {
    const int rows = store.contains("classifier.weight") && !store.info("classifier.weight").shape.empty() ? static_cast<int>(store.info("classifier.weight").shape.front()) : 0;
    model.config.num_classes = count_hf_classes(config, rows);
  }
  validate_config(model.config, config.path());
  model.labels = parse_hf_labels(config, model.config.num_classes, false);
  const CheckpointReader reader(store, config.path());
  model.weights = read_weights(reader, model.config, variant, config.boolean("qkv_bias", true));
  model.preprocess = read_hf_preprocess(folder, model.config, default_preprocess());
  return model;
}

}  // namespace vitlens
