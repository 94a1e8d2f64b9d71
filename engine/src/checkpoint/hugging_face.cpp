#include "checkpoint/hugging_face.hpp"

#include <charconv>

#include "checkpoint/config_validation.hpp"
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

const Architecture& find_architecture(const JsonFile& config) {
  const json& listed = config.root().value("architectures", json());
  if (!listed.is_array() || listed.empty() || !listed[0].is_string()) config.fail("has no \"architectures\" list naming the model class");
  const std::string name = listed[0].get<std::string>();
  std::string supported;
  for (const Architecture& architecture : architectures()) {
    if (architecture.name == name) return architecture;
    supported += (supported.empty() ? "" : ", ") + architecture.name;
  }
  config.fail("architecture '" + name + "' is not supported (supported: " + supported + ")");
}

Activation parse_activation(const JsonFile& config) {
  const std::string name = config.string("hidden_act", "gelu");
  if (name == "gelu") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh") return Activation::GeluTanh;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "relu") return Activation::Relu;
  config.fail("hidden_act '" + name + "' is not supported (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, quick_gelu, relu)");
}

// image_size and patch_size are an int or a [height, width] pair.
std::pair<int, int> height_width(const JsonFile& config, const std::string& key, int fallback) {
  if (!config.has(key)) return {fallback, fallback};
  const json& value = config.root()[key];
  if (value.is_array() && value.size() == 2 && value[0].is_number_integer() && value[1].is_number_integer()) return {value[0].get<int>(), value[1].get<int>()};
  const int side = config.integer(key, fallback);
  return {side, side};
}

// Defaults are those of transformers' ViTConfig, which a saved config.json may omit.
VitConfig parse_config(const JsonFile& config, const Architecture& architecture) {
  VitConfig c;
  c.architecture = architecture.name;
  c.format = "huggingface";
  c.hidden_size = config.integer("hidden_size", 768);
  c.num_layers = config.integer("num_hidden_layers", 12);
  c.num_heads = config.integer("num_attention_heads", 12);
  c.mlp_size = config.integer("intermediate_size", 3072);
  c.activation = parse_activation(config);
  c.layer_norm_eps = config.number("layer_norm_eps", 1e-12);
  std::tie(c.image_height, c.image_width) = height_width(config, "image_size", 224);
  // YolosConfig's default training size is [512, 864], not ViTConfig's 224.
  if (architecture.detector && !config.has("image_size")) std::tie(c.image_height, c.image_width) = std::pair(512, 864);
  const auto [patch_height, patch_width] = height_width(config, "patch_size", 16);
  if (patch_height != patch_width) config.fail("non-square patch_size [" + std::to_string(patch_height) + ", " + std::to_string(patch_width) + "] is not supported");
  c.patch_size = patch_height;
  c.num_channels = config.integer("num_channels", 3);
  c.num_prefix_tokens = architecture.distillation_token ? 2 : 1;
  if (architecture.detector) {
    c.num_detection_tokens = config.integer("num_detection_tokens", 100);
    if (c.num_detection_tokens <= 0) config.fail("num_detection_tokens is " + std::to_string(c.num_detection_tokens) + ", but must be positive");
  }
  return c;
}

int parse_label_index(const JsonFile& config, const std::string& key, size_t count) {
  int index = -1;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (error != std::errc() || end != key.data() + key.size() || index < 0 || static_cast<size_t>(index) >= count)
    config.fail("id2label key '" + key + "' is not a class index between 0 and " + std::to_string(count - 1));
  return index;
}

// Classes come from id2label, else num_labels, else the classifier's rows (YOLOS's last class
// layer has one more: "no object").
int count_classes(const JsonFile& config, const Architecture& architecture, const TensorStore& store) {
  if (architecture.heads.empty() && !architecture.detector) return 0;
  if (config.has("id2label")) return static_cast<int>(config.object("id2label").root().size());
  if (config.has("num_labels")) return config.integer("num_labels", 0);
  const std::string head = architecture.detector ? kClassMlp + "2.weight" : architecture.heads.front() + ".weight";
  const int extra = architecture.detector ? 1 : 0;
  return store.contains(head) && !store.info(head).shape.empty() ? static_cast<int>(store.info(head).shape.front()) - extra : 0;
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

// A detector without id2label over COCO's 91 ids gets the COCO names.
std::vector<std::string> parse_labels(const JsonFile& config, int num_classes, bool detector) {
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

EncoderLayerWeights read_layer(const CheckpointReader& reader, const VitConfig& c, const std::string& base, bool qkv_bias) {
  const int64_t d = c.hidden_size;
  const std::string attention = base + "attention.attention.";
  const Linear query = reader.linear(attention + "query", d, d, qkv_bias);
  const Linear key = reader.linear(attention + "key", d, d, qkv_bias);
  const Linear value = reader.linear(attention + "value", d, d, qkv_bias);
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "layernorm_before", d);
  layer.qkv = {concat_rows({query.weight, key.weight, value.weight}, d), reshaped(concat_rows({query.bias, key.bias, value.bias}, d), {3 * d})};
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

Model read_hf_model(const std::filesystem::path& folder, const TensorStore& store) {
  const JsonFile config = JsonFile::read((folder / "config.json").string());
  const Architecture& architecture = find_architecture(config);
  Model model;
  model.path = folder.string();
  model.config = parse_config(config, architecture);
  model.config.num_classes = count_classes(config, architecture, store);
  validate_config(model.config, config.path());
  check_heads_match(config, architecture, store);
  model.labels = parse_labels(config, model.config.num_classes, architecture.detector);
  const CheckpointReader reader(store, config.path());
  model.weights = read_weights(reader, model.config, architecture, config.boolean("qkv_bias", true),
                               config.boolean("use_mid_position_embeddings", true));
  const std::filesystem::path preprocessor = folder / "preprocessor_config.json";
  model.preprocess = std::filesystem::exists(preprocessor) ? read_preprocessor_config(JsonFile::read(preprocessor.string()), model.config) : default_vit_preprocess(model.config);
  return model;
}

}  // namespace vitlens
