#include "checkpoint/hugging_face.hpp"

#include <algorithm>

#include "checkpoint/config_validation.hpp"
#include "checkpoint/hf_config.hpp"
#include "checkpoint/beit.hpp"
#include "checkpoint/hf_towers.hpp"
#include "checkpoint/preprocessor_config.hpp"
#include "checkpoint/tensor_reader.hpp"
#include "model/tensor_layout.hpp"
#include "util/json_file.hpp"
#include "vitlens/detection/postprocess.hpp"

namespace vitlens {

namespace {

using json = nlohmann::json;

struct Architecture {
  std::string name;
  std::string prefix;  // of the encoder's tensors
  bool distillation_token;
  std::vector<std::string> heads;  // head i reads token i
  bool detector = false;           // YOLOS: detection tokens and MLP class/box heads
};

// YOLOS's heads: 3-layer MLPs whose last layer gives the class logits (with "no object") or the box.
const std::string kClassMlp = "class_labels_classifier.layers.";
const std::string kBoxMlp = "bbox_predictor.layers.";

// DeiT models always carry the distillation token, even DeiTForImageClassification, whose
// single head ignores it.
const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> known{
      {"ViTForImageClassification", "vit.", false, {"classifier"}},
      {"ViTModel", "", false, {}},
      {"DeiTForImageClassificationWithTeacher", "deit.", true, {"cls_classifier", "distillation_classifier"}},
      {"DeiTForImageClassification", "deit.", true, {"classifier"}},
      {"DeiTModel", "", true, {}},
      {"YolosForObjectDetection", "vit.", false, {}, true},
  };
  return known;
}

// Relatives of the supported families whose attention or embeddings ViTLens does not compute,
// by a fragment of their class name, with what sets them apart.
const std::vector<std::pair<std::string, std::string>>& unsupported_relatives() {
  static const std::vector<std::pair<std::string, std::string>> known{
      {"Swin", "windowed, shifted attention"},
      {"Eva", "rotary position embeddings"},
      {"DINOv3", "rotary position embeddings"},
      {"Dinov3", "rotary position embeddings"},
      {"ViTHybrid", "a convolutional (BiT) stem"},
      {"Dpt", "a dense-prediction decoder"},
      {"ViTMAE", "random masking inside the forward pass"},
      {"Beit", "a head ViTLens does not read (BEiT's masked image modelling or segmentation)"},
      {"Data2VecVision", "relative position bias"},
  };
  return known;
}

std::string supported_list() {
  std::string supported;
  const auto add = [&](const std::string& name) { supported += (supported.empty() ? "" : ", ") + name; };
  for (const Architecture& architecture : architectures()) add(architecture.name);
  for (const std::string& name : hf_dinov2_architectures()) add(name);
  for (const std::string& name : hf_clip_siglip_architectures()) add(name);
  for (const std::string& name : hf_beit_architectures()) add(name);
  return supported;
}

const Architecture& find_architecture(const JsonFile& config, const std::string& name) {
  for (const Architecture& architecture : architectures())
    if (architecture.name == name) return architecture;
  for (const auto& [fragment, why] : unsupported_relatives())
    if (name.find(fragment) != std::string::npos)
      config.fail("architecture '" + name + "' is not supported: it uses " + why + " (supported: " + supported_list() + ")");
  config.fail("architecture '" + name + "' is not supported (supported: " + supported_list() + ")");
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Defaults are those of transformers' ViTConfig, which a saved config.json may omit.
VitConfig parse_config(const JsonFile& config, const Architecture& architecture) {
  VitConfig c = parse_hf_encoder(config);
  c.architecture = architecture.name;
  c.family = architecture.detector ? "YOLOS" : architecture.distillation_token ? "DeiT" : "ViT";
  // YolosConfig's default training size is [512, 864], not ViTConfig's 224.
  if (architecture.detector && !config.has("image_size")) std::tie(c.image_height, c.image_width) = std::pair(512, 864);
  c.num_prefix_tokens = architecture.distillation_token ? 2 : 1;
  if (architecture.detector) {
    c.num_detection_tokens = config.integer("num_detection_tokens", 100);
    if (c.num_detection_tokens <= 0) config.fail("num_detection_tokens is " + std::to_string(c.num_detection_tokens) + ", but must be positive");
  }
  return c;
}

// Classes come from id2label, else num_labels, else the classifier's rows (YOLOS's last class
// layer has one more: "no object").
int count_classes(const JsonFile& config, const Architecture& architecture, const TensorStore& store) {
  if (architecture.heads.empty() && !architecture.detector) return 0;
  const std::string head = architecture.detector ? kClassMlp + "2.weight" : architecture.heads.front() + ".weight";
  const int extra = architecture.detector ? 1 : 0;
  return count_hf_classes(config, store.contains(head) && !store.info(head).shape.empty() ? static_cast<int>(store.info(head).shape.front()) - extra : 0);
}

// A detector's heads must be there, and a classifier's checkpoint must not be read as a detector.
void check_heads_match(const JsonFile& config, const Architecture& architecture, const TensorStore& store) {
  const bool has_detection_heads = store.contains(kClassMlp + "0.weight") || store.contains("vit.embeddings.detection_tokens");
  if (architecture.detector && !has_detection_heads)
    config.fail("names YolosForObjectDetection, but " + store.description() +
                " has no detection tokens or detection heads (is it an image classifier?)");
  if (!architecture.detector && has_detection_heads)
    config.fail("names " + architecture.name + ", but " + store.description() +
                " holds YOLOS detection tokens and heads; its config.json should name YolosForObjectDetection");
}

EncoderLayerWeights read_layer(const CheckpointReader& reader, const VitConfig& c, const std::string& base, bool qkv_bias) {
  const int64_t d = c.hidden_size;
  const std::string attention = base + "attention.attention.";
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "layernorm_before", d);
  layer.qkv = reader.fused_qkv(attention + "query", attention + "key", attention + "value", d, qkv_bias);
  layer.proj = reader.linear(base + "attention.output.dense", d, d);
  layer.norm2 = reader.layer_norm(base + "layernorm_after", d);
  layer.fc1 = reader.linear(base + "intermediate.dense", c.mlp_size, d);
  layer.fc2 = reader.linear(base + "output.dense", d, c.mlp_size);
  return layer;
}

std::vector<Linear> read_mlp(const CheckpointReader& reader, const std::string& prefix, int64_t d, int64_t out) {
  return {reader.linear(prefix + "0", d, d), reader.linear(prefix + "1", d, d), reader.linear(prefix + "2", out, d)};
}

// YOLOS: detection tokens, optional mid-position embeddings [L-1, 1, positions, D], MLP heads.
void read_detection(const CheckpointReader& reader, const VitConfig& c, const Architecture& architecture, const std::string& layout,
                    bool use_mid_position_embeddings, VitWeights& w) {
  const int64_t d = c.hidden_size;
  const std::string width = "hidden_size " + std::to_string(d);
  w.suffix_tokens = reshaped(reader.tensor(architecture.prefix + "embeddings.detection_tokens", {1, c.num_detection_tokens, d},
                                           "num_detection_tokens " + std::to_string(c.num_detection_tokens) + ", " + width),
                             {c.num_detection_tokens, d});
  const std::string mid = architecture.prefix + "encoder.mid_position_embeddings";
  if (use_mid_position_embeddings && c.num_layers > 1) {
    const int64_t positions = w.pos_embed.dim(0);
    const Tensor all = reader.tensor(mid, {c.num_layers - 1, 1, positions, d}, "num_hidden_layers " + std::to_string(c.num_layers) + " - 1 layers of " + layout);
    for (int64_t l = 0; l + 1 < c.num_layers; ++l)
      w.mid_pos_embed.emplace_back(std::vector<int64_t>{positions, d},
                                   std::vector<float>(all.data.begin() + l * positions * d, all.data.begin() + (l + 1) * positions * d));
  }
  DetectionHeadWeights heads;
  heads.class_mlp = read_mlp(reader, kClassMlp, d, c.num_classes + 1);
  heads.box_mlp = read_mlp(reader, kBoxMlp, d, 4);
  w.detection = std::move(heads);
}

VitWeights read_weights(const CheckpointReader& reader, const VitConfig& c, const Architecture& architecture, bool qkv_bias,
                        bool use_mid_position_embeddings) {
  const int64_t d = c.hidden_size, p = c.patch_size, channels = c.num_channels;
  const std::string embeddings = architecture.prefix + "embeddings.";
  const std::string width = "hidden_size " + std::to_string(d);
  VitWeights w;
  w.patch_embed.weight = reshaped(reader.tensor(embeddings + "patch_embeddings.projection.weight", {d, channels, p, p},
                                                width + ", num_channels " + std::to_string(channels) + ", patch_size " + std::to_string(p)),
                                  {d, channels * p * p});
  w.patch_embed.bias = reader.tensor(embeddings + "patch_embeddings.projection.bias", {d}, width);
  std::vector<Tensor> prefix{reader.tensor(embeddings + "cls_token", {1, 1, d}, width)};
  if (architecture.distillation_token) prefix.push_back(reader.tensor(embeddings + "distillation_token", {1, 1, d}, width));
  w.prefix_tokens = concat_rows(prefix, d);
  const int64_t positions = c.num_prefix_tokens + static_cast<int64_t>(c.grid_height()) * c.grid_width() + c.num_detection_tokens;
  const std::string layout = "image_size " + std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " / patch_size " + std::to_string(p) + " = " +
                             std::to_string(c.grid_height()) + "x" + std::to_string(c.grid_width()) + " patches + " + std::to_string(c.num_prefix_tokens) +
                             " prefix tokens" + (c.num_detection_tokens ? " + " + std::to_string(c.num_detection_tokens) + " detection tokens" : "");
  w.pos_embed = reshaped(reader.tensor(embeddings + "position_embeddings", {1, positions, d}, layout), {positions, d});
  for (int i = 0; i < c.num_layers; ++i) w.layers.push_back(read_layer(reader, c, architecture.prefix + "encoder.layer." + std::to_string(i) + ".", qkv_bias));
  w.final_norm = reader.layer_norm(architecture.prefix + "layernorm", d);
  // The pooler (dense + tanh on token 0) feeds no classifier ViTLens runs; it is read only
  // so that it does not count as an unexpected tensor.
  if (reader.contains(architecture.prefix + "pooler.dense.weight")) reader.linear(architecture.prefix + "pooler.dense", d, d);
  for (const std::string& head : architecture.heads) w.heads.push_back(reader.linear(head, c.num_classes, d));
  if (architecture.detector) read_detection(reader, c, architecture, layout, use_mid_position_embeddings, w);
  return w;
}

}  // namespace

PreprocessConfig read_hf_preprocess(const std::filesystem::path& folder, const VitConfig& config, const PreprocessConfig& fallback) {
  const std::filesystem::path preprocessor = folder / "preprocessor_config.json";
  return std::filesystem::exists(preprocessor) ? read_preprocessor_config(JsonFile::read(preprocessor.string()), config, fallback) : fallback;
}

Model read_hf_model(const std::filesystem::path& folder, const TensorStore& store) {
  const JsonFile config = JsonFile::read((folder / "config.json").string());
  const std::string name = hf_architecture_name(config);
  if (listed(hf_dinov2_architectures(), name)) return read_hf_dinov2(folder, store, config);
  if (listed(hf_clip_siglip_architectures(), name)) return read_hf_clip_siglip(folder, store, config);
  if (listed(hf_beit_architectures(), name)) return read_hf_beit(folder, store, config);
  const Architecture& architecture = find_architecture(config, name);
  Model model;
  model.path = folder.string();
  model.config = parse_config(config, architecture);
  model.config.num_classes = count_classes(config, architecture, store);
  validate_config(model.config, config.path());
  check_heads_match(config, architecture, store);
  model.labels = parse_hf_labels(config, model.config.num_classes, architecture.detector);
  const CheckpointReader reader(store, config.path());
  model.weights = read_weights(reader, model.config, architecture, config.boolean("qkv_bias", true),
                               config.boolean("use_mid_position_embeddings", true));
  model.preprocess = read_hf_preprocess(folder, model.config, default_vit_preprocess(model.config));
  return model;
}

}  // namespace vitlens
