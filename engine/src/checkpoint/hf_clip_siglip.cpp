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
  bool siglip;
  bool joint;       // CLIPModel / SiglipModel: the vision settings sit in "vision_config"
  bool projection;  // CLIP's visual_projection
};

const std::vector<Variant>& variants() {
  static const std::vector<Variant> known{
      {"CLIPVisionModel", false, false, false},
      {"CLIPVisionModelWithProjection", false, false, true},
      {"CLIPModel", false, true, true},
      {"SiglipVisionModel", true, false, false},
      {"SiglipModel", true, true, false},
  };
  return known;
}

const Variant& find_variant(const std::string& name) {
  return *std::find_if(variants().begin(), variants().end(), [&](const Variant& v) { return v.name == name; });
}

// Defaults are those of transformers' CLIPVisionConfig and SiglipVisionConfig.
VitConfig parse_config(const JsonFile& top, const JsonFile& config, const Variant& variant) {
  VitConfig c;
  c.architecture = variant.name;
  c.format = "huggingface";
  c.family = variant.siglip ? "SigLIP" : "CLIP";
  c.hidden_size = config.integer("hidden_size", 768);
  c.num_layers = config.integer("num_hidden_layers", 12);
  c.num_heads = config.integer("num_attention_heads", 12);
  c.mlp_size = config.integer("intermediate_size", 3072);
  c.activation = parse_hf_activation(config, variant.siglip ? "gelu_pytorch_tanh" : "quick_gelu");
  c.layer_norm_eps = config.number("layer_norm_eps", variant.siglip ? 1e-6 : 1e-5);
  const int side = config.integer("image_size", 224);
  c.image_height = c.image_width = side;
  c.patch_size = config.integer("patch_size", variant.siglip ? 16 : 32);
  c.num_channels = config.integer("num_channels", 3);
  c.class_token = !variant.siglip;
  c.num_prefix_tokens = variant.siglip ? 0 : 1;
  if (variant.siglip)
    c.pooling = config.boolean("vision_use_head", true) ? Pooling::Probe : Pooling::Mean;
  if (variant.projection) c.projection_size = (variant.joint ? top : config).integer("projection_dim", 512);
  return c;
}

EncoderLayerWeights read_layer(const CheckpointReader& reader, const VitConfig& c, const std::string& base) {
  const int64_t d = c.hidden_size;
  const std::string attention = base + "self_attn.";
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "layer_norm1", d);
  layer.qkv = reader.fused_qkv(attention + "q_proj", attention + "k_proj", attention + "v_proj", d);
  layer.proj = reader.linear(attention + "out_proj", d, d);
  layer.norm2 = reader.layer_norm(base + "layer_norm2", d);
  layer.fc1 = reader.linear(base + "mlp.fc1", c.mlp_size, d);
  layer.fc2 = reader.linear(base + "mlp.fc2", d, c.mlp_size);
  return layer;
}

// SiglipMultiheadAttentionPoolingHead: nn.MultiheadAttention's packed in_proj [3D, D] splits
// into the probe's query and the tokens' keys and values.
ProbeHeadWeights read_probe(const CheckpointReader& reader, const VitConfig& c, const std::string& head) {
  const int64_t d = c.hidden_size;
  const Tensor in_weight = reader.tensor(head + "attention.in_proj_weight", {3 * d, d}, "hidden_size " + std::to_string(d));
  const Tensor in_bias = reader.tensor(head + "attention.in_proj_bias", {3 * d}, "hidden_size " + std::to_string(d));
  const auto rows = [](const Tensor& t, int64_t first, int64_t count, int64_t width) {
    std::vector<int64_t> shape{count};
    if (width > 0) shape.push_back(width);
    const auto begin = t.data.begin() + first * std::max<int64_t>(width, 1);
    return Tensor(shape, std::vector<float>(begin, begin + count * std::max<int64_t>(width, 1)));
  };
  ProbeHeadWeights p;
  p.probe = reshaped(reader.tensor(head + "probe", {1, 1, d}, "hidden_size " + std::to_string(d)), {d});
  p.q = {rows(in_weight, 0, d, d), rows(in_bias, 0, d, 0)};
  p.kv = {rows(in_weight, d, 2 * d, d), rows(in_bias, d, 2 * d, 0)};
  p.proj = reader.linear(head + "attention.out_proj", d, d);
  p.norm = reader.layer_norm(head + "layernorm", d);
  p.fc1 = reader.linear(head + "mlp.fc1", c.mlp_size, d);
  p.fc2 = reader.linear(head + "mlp.fc2", d, c.mlp_size);
  return p;
}

VitWeights read_weights(const CheckpointReader& reader, const VitConfig& c, const Variant& variant) {
  const int64_t d = c.hidden_size, p = c.patch_size;
  const std::string vision = "vision_model.";
  const std::string embeddings = vision + "embeddings.";
  const std::string width = "hidden_size " + std::to_string(d);
  VitWeights w;
  w.patch_embed.weight = reshaped(reader.tensor(embeddings + "patch_embedding.weight", {d, c.num_channels, p, p}, width + ", patch_size " + std::to_string(p)),
                                  {d, c.num_channels * p * p});
  w.patch_embed.bias = variant.siglip ? reader.tensor(embeddings + "patch_embedding.bias", {d}, width) : Tensor({d});
  w.prefix_tokens = c.class_token ? reshaped(reader.tensor(embeddings + "class_embedding", {d}, width), {1, d}) : Tensor({0, d});
  const int64_t positions = c.num_prefix_tokens + int64_t{c.grid_height()} * c.grid_width();
  w.pos_embed = reader.tensor(embeddings + "position_embedding.weight", {positions, d},
                              "image_size " + std::to_string(c.image_height) + " / patch_size " + std::to_string(p) + (c.class_token ? " + CLS" : ""));
  if (!variant.siglip) w.pre_norm = reader.layer_norm(vision + "pre_layrnorm", d);
  for (int i = 0; i < c.num_layers; ++i) w.layers.push_back(read_layer(reader, c, vision + "encoder.layers." + std::to_string(i) + "."));
  // CLIP normalises only the pooled CLS token (post_layernorm), SigLIP every token.
  if (variant.siglip)
    w.final_norm = reader.layer_norm(vision + "post_layernorm", d);
  else
    w.fc_norm = reader.layer_norm(vision + "post_layernorm", d);
  if (c.pooling == Pooling::Probe) w.probe = read_probe(reader, c, vision + "head.");
  if (variant.projection) w.projection = reader.linear("visual_projection", c.projection_size, d, false);
  return w;
}

PreprocessConfig default_preprocess(bool siglip, const VitConfig& c) {
  PreprocessConfig p;
  p.resample = Resample::Bicubic;
  if (siglip) {
    p.height = c.image_height;
    p.width = c.image_width;
    return p;
  }
  // CLIPImageProcessor: shortest edge, centre crop, OpenAI's mean and std.
  p.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
  p.shortest_edge = c.image_height;
  p.do_center_crop = true;
  p.crop_height = c.image_height;
  p.crop_width = c.image_width;
  p.mean = {0.48145466f, 0.4578275f, 0.40821073f};
  p.std = {0.26862954f, 0.26130258f, 0.27577711f};
  return p;
}

}  // namespace

const std::vector<std::string>& hf_clip_siglip_architectures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const Variant& v : variants()) all.push_back(v.name);
    return all;
  }();
  return names;
}

Model read_hf_clip_siglip(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config) {
  const Variant& variant = find_variant(hf_architecture_name(config));
  const JsonFile vision = variant.joint ? config.object("vision_config") : config;
  Model model;
  model.path = folder.string();
  model.config = parse_config(config, vision, variant);
  validate_config(model.config, config.path());
  const CheckpointReader reader(store, config.path());
  model.weights = read_weights(reader, model.config, variant);
  if (variant.joint)
    for (const std::string& name : store.unread())
      if (name.rfind("text_model.", 0) == 0 || name == "text_projection.weight" || name == "logit_scale" || name == "logit_bias") store.skip(name);
  model.preprocess = read_hf_preprocess(folder, model.config, default_preprocess(variant.siglip, model.config));
  if (variant.joint) model.notes.push_back("read the image tower of " + variant.name + "; its text tower is not used");
  return model;
}

}  // namespace vitlens
