#include "checkpoint/beit.hpp"
#include "checkpoint/timm.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

#include "checkpoint/config_validation.hpp"
#include "checkpoint/preprocessor_config.hpp"
#include "checkpoint/tensor_reader.hpp"
#include "model/tensor_layout.hpp"
#include "util/json_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

using json = nlohmann::json;

// timm's ViT/DeiT LayerNorms are built with eps 1e-6 (its CLIP towers 1e-5) and its Mlp with
// nn.GELU (erf) unless the architecture names another activation.
constexpr double kTimmLayerNormEps = 1e-6;
constexpr double kTimmClipLayerNormEps = 1e-5;

// What a timm config.json says, whichever of its layouts it uses: model_args (timm's own
// save), top-level fields, and pretrained_cfg (the Hub's).
struct TimmConfig {
  JsonFile file;
  JsonFile model_args;
  JsonFile pretrained_cfg;
  std::string architecture;
};

TimmConfig read_timm_config(const std::string& checkpoint_path, const std::optional<std::string>& config_path) {
  JsonFile file = config_path ? JsonFile::read(*config_path) : JsonFile(checkpoint_path, json::object());
  JsonFile model_args = file.object("model_args");
  JsonFile pretrained_cfg = file.object("pretrained_cfg");
  const std::string architecture = file.string("architecture", std::filesystem::path(checkpoint_path).stem().string());
  return {std::move(file), std::move(model_args), std::move(pretrained_cfg), architecture};
}

const std::vector<int64_t>& required_shape(const TensorStore& store, const std::string& name, size_t rank) {
  if (!store.contains(name)) throw Error(store.description() + ": tensor '" + name + "' is missing; is this a timm VisionTransformer checkpoint?");
  const std::vector<int64_t>& shape = store.info(name).shape;
  if (shape.size() != rank || std::find(shape.begin(), shape.end(), 0) != shape.end())
    throw Error(store.path_of(name) + ": tensor '" + name + "' has shape " + shape_string(shape) + ", expected " + std::to_string(rank) + " non-empty dimensions");
  return shape;
}

int count_blocks(const TensorStore& store) {
  static const std::regex block(R"(^blocks\.(\d+)\.)");
  int depth = 0;
  for (const std::string& name : store.names()) {
    std::smatch match;
    if (std::regex_search(name, match, block)) depth = std::max(depth, std::stoi(match[1].str()) + 1);
  }
  if (depth == 0) throw Error(store.description() + ": has no blocks.N tensors; is this a timm VisionTransformer checkpoint?");
  return depth;
}

// timm's named sizes: tiny 192/3, small 384/6, base 768/12, large 1024/16, huge 1280/16.
std::optional<int> heads_from_name(const std::string& architecture) {
  static const std::regex size_word(R"((^|[_.])(tiny|small|base|large|huge)([_.]|$))");
  std::smatch match;
  if (!std::regex_search(architecture, match, size_word)) return std::nullopt;
  const std::string word = match[2].str();
  if (word == "tiny") return 3;
  if (word == "small") return 6;
  if (word == "base") return 12;
  return 16;
}

int infer_heads(const TimmConfig& config, int hidden_size, const std::string& checkpoint_path) {
  if (config.model_args.has("num_heads")) return config.model_args.integer("num_heads", 0);
  if (config.file.has("num_heads")) return config.file.integer("num_heads", 0);
  if (const std::optional<int> named = heads_from_name(config.architecture)) return *named;
  // The head size of every standard ViT.
  if (hidden_size % 64 == 0) return hidden_size / 64;
  throw Error(checkpoint_path + ": cannot tell the number of attention heads (hidden size " + std::to_string(hidden_size) +
              "); add \"num_heads\" to a config.json beside the checkpoint");
}

std::optional<std::pair<int, int>> image_size_from_config(const TimmConfig& config) {
  if (config.model_args.has("img_size")) {
    const json& size = config.model_args.root()["img_size"];
    if (size.is_array() && size.size() == 2 && size[0].is_number_integer() && size[1].is_number_integer()) return std::pair{size[0].get<int>(), size[1].get<int>()};
    const int side = config.model_args.integer("img_size", 0);
    return std::pair{side, side};
  }
  const json& input = config.pretrained_cfg.root().value("input_size", json());
  if (input.is_array() && input.size() == 3 && input[1].is_number_integer() && input[2].is_number_integer()) return std::pair{input[1].get<int>(), input[2].get<int>()};
  static const std::regex resolution_suffix(R"(_(\d{2,4})(\.|$))");
  std::smatch match;
  if (std::regex_search(config.architecture, match, resolution_suffix)) {
    const int side = std::stoi(match[1].str());
    return std::pair{side, side};
  }
  return std::nullopt;
}

int exact_sqrt(int64_t n) {
  if (n <= 0) return -1;
  const auto root = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  return root * root == n ? static_cast<int>(root) : -1;
}

// Whether pos_embed has rows for the prefix tokens (timm no_embed_class models add it to the
// patches only): model_args says so when it can, else the row count suggests it.
bool has_prefix_rows(const TimmConfig& config, bool rows_suggest_prefix) {
  return config.model_args.has("no_embed_class") ? !config.model_args.boolean("no_embed_class", false) : rows_suggest_prefix;
}

void infer_grid(const TimmConfig& config, const TensorStore& store, int64_t rows, VitConfig& c) {
  if (const auto size = image_size_from_config(config)) {
    std::tie(c.image_height, c.image_width) = *size;
    const int64_t patches = static_cast<int64_t>(c.grid_height()) * c.grid_width();
    c.pos_embed_has_prefix = has_prefix_rows(config, rows != patches);
    const int64_t expected = patches + c.positioned_prefix_tokens();
    if (rows != expected)
      throw Error(store.path_of("pos_embed") + ": pos_embed has " + std::to_string(rows) + " rows but the image size " + std::to_string(c.image_height) + "x" +
                  std::to_string(c.image_width) + " from " + (config.file.root().empty() ? "the architecture name" : config.file.path()) + " with patch size " +
                  std::to_string(c.patch_size) + " implies " + std::to_string(expected));
    return;
  }
  const int with_prefix = exact_sqrt(rows - c.num_prefix_tokens);
  const int without_prefix = exact_sqrt(rows);
  c.pos_embed_has_prefix = has_prefix_rows(config, with_prefix > 0);
  const int side = c.pos_embed_has_prefix ? with_prefix : without_prefix;
  if (side <= 0)
    throw Error(store.path_of("pos_embed") + ": pos_embed has " + std::to_string(rows) + " rows, which is no square patch grid; give the image size in a config.json (pretrained_cfg.input_size)");
  c.image_height = c.image_width = side * c.patch_size;
}

std::vector<std::string> read_labels(const TimmConfig& config, int num_classes, const std::string& head_path) {
  std::vector<std::string> labels;
  if (!config.file.has("label_names")) {
    for (int i = 0; i < num_classes; ++i) labels.push_back("LABEL_" + std::to_string(i));
    return labels;
  }
  const json& names = config.file.root()["label_names"];
  if (!names.is_array() || names.size() != static_cast<size_t>(num_classes))
    config.file.fail("\"label_names\" should list " + std::to_string(num_classes) + " names, one per row of 'head.weight' in " + head_path);
  for (const json& name : names) {
    if (!name.is_string()) config.file.fail("\"label_names\" holds a non-string entry " + name.dump());
    labels.push_back(name.get<std::string>());
  }
  return labels;
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

std::string family_name(const std::string& architecture) {
  if (contains(architecture, "dinov2")) return contains(architecture, "_reg") ? "DINOv2 with registers" : "DINOv2";
  if (contains(architecture, "siglip")) return "SigLIP";
  if (contains(architecture, "clip")) return "CLIP";
  if (architecture.rfind("deit3", 0) == 0) return "DeiT III";
  if (architecture.rfind("deit", 0) == 0) return "DeiT";
  return "ViT";
}

// Relatives of timm's VisionTransformer that ViTLens does not compute, by name prefix.
void refuse_unsupported(const std::string& architecture, const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> relatives{
      {"eva", "rotary position embeddings (EVA-02)"},   {"swin", "windowed, shifted attention (Swin)"},
      {"vit_small_r", "a ResNet stem (hybrid ViT)"},    {"vit_base_r", "a ResNet stem (hybrid ViT)"},
      {"vit_large_r", "a ResNet stem (hybrid ViT)"},    {"vit_base_resnet", "a ResNet stem (hybrid ViT)"},
      {"vit_medium_patch16_rope", "rotary position embeddings"},
  };
  for (const auto& [prefix, why] : relatives)
    if (architecture.rfind(prefix, 0) == 0)
      throw Error(path + ": timm architecture '" + architecture + "' uses " + why +
                  ", which ViTLens does not support (supported timm families: vit_* incl. DINOv2, DINOv2 with registers, CLIP and SigLIP towers, deit_*, deit3_*, beit_*)");
}

Activation timm_activation(const TimmConfig& config) {
  const std::string named = config.model_args.string("act_layer", "");
  if (named == "quick_gelu" || contains(config.architecture, "quickgelu")) return Activation::QuickGelu;
  if (named == "gelu_tanh") return Activation::GeluTanh;
  return Activation::GeluErf;
}

// A packed GLU (timm SwiGLUPacked, DINOv2 giant) has fc1 twice as wide as fc2's input.
void infer_mlp(const TensorStore& store, VitConfig& c) {
  const int64_t fc1 = required_shape(store, "blocks.0.mlp.fc1.weight", 2)[0];
  const int64_t fc2_in = required_shape(store, "blocks.0.mlp.fc2.weight", 2)[1];
  c.mlp = fc1 == 2 * fc2_in ? MlpKind::SwiGlu : MlpKind::Plain;
  c.mlp_size = static_cast<int>(fc2_in);
}

Pooling infer_pooling(const TimmConfig& config, const TensorStore& store) {
  if (store.contains("attn_pool.latent")) return Pooling::Probe;
  const std::string global_pool = config.model_args.string("global_pool", config.file.string("global_pool", "token"));
  return store.contains("fc_norm.weight") || global_pool == "avg" ? Pooling::Mean : Pooling::Token;
}

// timm gives CLIP and SigLIP image towers a "head" that is the projection into the joint
// image-text space (num_classes 512, 768, ...); only their fine-tuned tags ("..._ft_in1k")
// and checkpoints that name labels are classifiers.
bool is_projection_head(const TimmConfig& config, int head_rows) {
  if (head_rows == 0 || config.file.has("label_names")) return false;
  if (!contains(config.architecture, "clip") && !contains(config.architecture, "siglip")) return false;
  const std::string tag = config.pretrained_cfg.string("tag", config.file.string("tag", ""));
  return !contains(tag, "ft") && !contains(config.architecture, "_ft");
}

VitConfig infer_config(const TimmConfig& config, const TensorStore& store, const std::string& path) {
  refuse_unsupported(config.architecture, path);
  VitConfig c;
  c.architecture = config.architecture;
  c.format = "timm";
  c.position_resample = PositionResample::AntialiasedBicubic;
  const std::vector<int64_t>& patch = required_shape(store, "patch_embed.proj.weight", 4);
  if (patch[2] != patch[3]) throw Error(store.path_of("patch_embed.proj.weight") + ": non-square patches " + shape_string(patch) + " are not supported");
  c.hidden_size = static_cast<int>(patch[0]);
  c.num_channels = static_cast<int>(patch[1]);
  c.patch_size = static_cast<int>(patch[2]);
  c.num_layers = count_blocks(store);
  c.num_heads = infer_heads(config, c.hidden_size, path);
  c.family = family_name(config.architecture);
  c.class_token = store.contains("cls_token");
  c.num_register_tokens = store.contains("reg_token") ? static_cast<int>(required_shape(store, "reg_token", 3)[1]) : 0;
  c.registers_have_positions = true;
  c.num_prefix_tokens = (c.class_token ? 1 : 0) + (store.contains("dist_token") ? 1 : 0) + c.num_register_tokens;
  const bool beit = is_timm_beit(store);
  infer_grid(config, store, beit ? timm_beit_position_rows(store) : required_shape(store, "pos_embed", 3)[1], c);
  c.layer_norm_eps = config.architecture.find("clip") != std::string::npos ? kTimmClipLayerNormEps : kTimmLayerNormEps;
  c.activation = timm_activation(config);
  c.layer_scale = store.contains("blocks.0.ls1.gamma");
  infer_mlp(store, c);
  c.pooling = infer_pooling(config, store);
  if (beit) configure_timm_beit(store, c);
  const int head_rows = store.contains("head.weight") ? static_cast<int>(required_shape(store, "head.weight", 2)[0]) : 0;
  if (is_projection_head(config, head_rows))
    c.projection_size = head_rows;
  else
    c.num_classes = head_rows;
  if (config.file.has("num_classes") && config.file.integer("num_classes", 0) != head_rows)
    config.file.fail("says num_classes " + std::to_string(config.file.integer("num_classes", 0)) + " but the checkpoint's head has " + std::to_string(head_rows) + " rows");
  return c;
}

EncoderLayerWeights read_block(const CheckpointReader& reader, const VitConfig& c, const std::string& base) {
  const int64_t d = c.hidden_size;
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "norm1", d);
  layer.qkv = reader.linear(base + "attn.qkv", 3 * d, d, reader.contains(base + "attn.qkv.bias"));
  layer.proj = reader.linear(base + "attn.proj", d, d);
  layer.norm2 = reader.layer_norm(base + "norm2", d);
  layer.fc1 = reader.linear(base + "mlp.fc1", c.mlp == MlpKind::SwiGlu ? 2 * int64_t{c.mlp_size} : c.mlp_size, d);
  layer.fc2 = reader.linear(base + "mlp.fc2", d, c.mlp_size);
  reader.fold_optional_layer_scale(base + "ls1.gamma", layer.proj);
  reader.fold_optional_layer_scale(base + "ls2.gamma", layer.fc2);
  return layer;
}

std::optional<LayerNormWeights> optional_norm(const CheckpointReader& reader, const std::string& prefix, int64_t width) {
  if (!reader.contains(prefix + ".weight")) return std::nullopt;
  return reader.layer_norm(prefix, width);
}

// AttentionPoolLatent with one latent query (SigLIP's MAP head).
ProbeHeadWeights read_probe(const CheckpointReader& reader, const VitConfig& c) {
  const int64_t d = c.hidden_size;
  const int64_t hidden = reader.store().contains("attn_pool.mlp.fc1.weight") ? reader.store().info("attn_pool.mlp.fc1.weight").shape.front() : 0;
  ProbeHeadWeights p;
  p.probe = reshaped(reader.tensor("attn_pool.latent", {1, 1, d}, "one latent query of the width of the model"), {d});
  p.q = reader.linear("attn_pool.q", d, d);
  p.kv = reader.linear("attn_pool.kv", 2 * d, d);
  p.proj = reader.linear("attn_pool.proj", d, d);
  p.norm = reader.layer_norm("attn_pool.norm", d);
  p.fc1 = reader.linear("attn_pool.mlp.fc1", hidden, d);
  p.fc2 = reader.linear("attn_pool.mlp.fc2", d, hidden);
  return p;
}

VitWeights read_weights(const CheckpointReader& reader, const VitConfig& c) {
  const int64_t d = c.hidden_size, p = c.patch_size, channels = c.num_channels;
  VitWeights w;
  w.patch_embed.weight = reshaped(reader.tensor("patch_embed.proj.weight", {d, channels, p, p}), {d, channels * p * p});
  w.patch_embed.bias = reader.optional_tensor("patch_embed.proj.bias", {d}).value_or(Tensor({d}));
  std::vector<Tensor> prefix;
  if (c.class_token) prefix.push_back(reader.tensor("cls_token", {1, 1, d}));
  if (reader.contains("dist_token")) prefix.push_back(reader.tensor("dist_token", {1, 1, d}));
  if (c.num_register_tokens > 0) prefix.push_back(reader.tensor("reg_token", {1, c.num_register_tokens, d}));
  w.prefix_tokens = prefix.empty() ? Tensor({0, d}) : concat_rows(prefix, d);
  const int64_t rows = static_cast<int64_t>(c.grid_height()) * c.grid_width() + c.positioned_prefix_tokens();
  const bool beit = is_timm_beit(reader.store());
  w.pos_embed = beit && !reader.contains("pos_embed") ? Tensor({rows, d}) : reshaped(reader.tensor("pos_embed", {1, rows, d}), {rows, d});
  for (int i = 0; i < c.num_layers; ++i)
    w.layers.push_back(beit ? read_timm_beit_block(reader, c, i) : read_block(reader, c, "blocks." + std::to_string(i) + "."));
  w.pre_norm = optional_norm(reader, "norm_pre", d);
  w.final_norm = optional_norm(reader, "norm", d);
  w.fc_norm = optional_norm(reader, "fc_norm", d);
  if (c.pooling == Pooling::Probe) w.probe = read_probe(reader, c);
  if (c.num_classes > 0) {
    w.heads.push_back(reader.linear("head", c.num_classes, d));
    if (reader.contains("head_dist.weight")) w.heads.push_back(reader.linear("head_dist", c.num_classes, d));
  }
  if (c.projection_size > 0) w.projection = reader.linear("head", c.projection_size, d, reader.contains("head.bias"));
  return w;
}

}  // namespace

Model read_timm_model(const std::string& path, const TensorStore& store, const std::optional<std::string>& config_path) {
  const TimmConfig config = read_timm_config(path, config_path);
  Model model;
  model.path = path;
  model.config = infer_config(config, store, path);
  validate_config(model.config, config_path.value_or(path));
  model.labels = read_labels(config, model.config.num_classes, store.description());
  model.weights = read_weights(CheckpointReader(store, "the checkpoint's other tensors"), model.config);
  model.preprocess = timm_eval_preprocess(config.pretrained_cfg, model.config);
  return model;
}

}  // namespace vitlens
