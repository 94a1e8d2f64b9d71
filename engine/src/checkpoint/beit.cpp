#include "checkpoint/beit.hpp"

#include <cmath>

#include "checkpoint/config_validation.hpp"
#include "checkpoint/hf_config.hpp"
#include "checkpoint/hf_towers.hpp"
#include "checkpoint/preprocessor_config.hpp"
#include "model/relative_position_bias.hpp"
#include "model/tensor_layout.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr const char* kModel = "BeitModel";
constexpr const char* kClassifier = "BeitForImageClassification";

std::string grid_reason(const VitConfig& c) {
  return "image_size " + std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " / patch_size " + std::to_string(c.patch_size) + ", " +
         std::to_string(c.num_heads) + " heads";
}

// The sum of the bias tables a layer sees: its own and the model's shared one.
Tensor sum_tables(const std::optional<Tensor>& own, const std::optional<Tensor>& shared) {
  if (!own) return shared.value_or(Tensor{});
  if (!shared) return *own;
  Tensor sum = *own;
  for (size_t i = 0; i < sum.data.size(); ++i) sum.data[i] += shared->data[i];
  return sum;
}

std::optional<Tensor> bias_table(const CheckpointReader& reader, const std::string& name, const VitConfig& c, bool present) {
  if (!present) return std::nullopt;
  return reader.tensor(name, {relative_position_rows(c.grid_height(), c.grid_width()), c.num_heads}, grid_reason(c));
}

// Defaults are those of transformers' BeitConfig.
VitConfig parse_hf_config(const JsonFile& config, const std::string& name) {
  VitConfig c = parse_hf_encoder(config);
  c.architecture = name;
  c.family = "BEiT";
  c.layer_scale = config.number("layer_scale_init_value", 0.1) > 0;
  c.relative_position_bias = config.boolean("use_relative_position_bias", false) || config.boolean("use_shared_relative_position_bias", false);
  c.pooling = config.boolean("use_mean_pooling", true) ? Pooling::Mean : Pooling::Token;
  return c;
}

EncoderLayerWeights read_hf_layer(const CheckpointReader& reader, const VitConfig& c, const JsonFile& config, const std::string& prefix, int index,
                                  const std::optional<Tensor>& shared) {
  const int64_t d = c.hidden_size;
  const std::string base = prefix + "encoder.layer." + std::to_string(index) + ".";
  const std::string attention = base + "attention.attention.";
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "layernorm_before", d);
  const Linear q = reader.linear(attention + "query", d, d), k = reader.linear(attention + "key", d, d, false), v = reader.linear(attention + "value", d, d);
  layer.qkv = {concat_rows({q.weight, k.weight, v.weight}, d), reshaped(concat_rows({q.bias, k.bias, v.bias}, d), {3 * d})};
  layer.proj = reader.linear(base + "attention.output.dense", d, d);
  layer.norm2 = reader.layer_norm(base + "layernorm_after", d);
  layer.fc1 = reader.linear(base + "intermediate.dense", c.mlp_size, d);
  layer.fc2 = reader.linear(base + "output.dense", d, c.mlp_size);
  if (c.layer_scale) {
    fold_layer_scale(layer.proj, reader.tensor(base + "lambda_1", {d}, "layer_scale_init_value > 0"));
    fold_layer_scale(layer.fc2, reader.tensor(base + "lambda_2", {d}, "layer_scale_init_value > 0"));
  }
  const std::string table = attention + "relative_position_bias.relative_position_bias_table";
  layer.relative_position_bias = sum_tables(bias_table(reader, table, c, config.boolean("use_relative_position_bias", false)), shared);
  reader.store().skip(attention + "relative_position_bias.relative_position_index");
  return layer;
}

// `prefix` of the backbone's tensors: "beit." in the classifier, none in BeitModel.
VitWeights read_hf_weights(const CheckpointReader& reader, const VitConfig& c, const JsonFile& config, const std::string& prefix) {
  const int64_t d = c.hidden_size, p = c.patch_size;
  const std::string width = "hidden_size " + std::to_string(d);
  VitWeights w;
  w.patch_embed.weight = reshaped(reader.tensor(prefix + "embeddings.patch_embeddings.projection.weight", {d, c.num_channels, p, p}, width), {d, c.num_channels * p * p});
  w.patch_embed.bias = reader.tensor(prefix + "embeddings.patch_embeddings.projection.bias", {d}, width);
  w.prefix_tokens = reshaped(reader.tensor(prefix + "embeddings.cls_token", {1, 1, d}, width), {1, d});
  const int64_t positions = 1 + int64_t{c.grid_height()} * c.grid_width();
  // Without absolute position embeddings the relative bias is the only position signal.
  w.pos_embed = config.boolean("use_absolute_position_embeddings", false)
                    ? reshaped(reader.tensor(prefix + "embeddings.position_embeddings", {1, positions, d}, grid_reason(c)), {positions, d})
                    : Tensor({positions, d});
  reader.store().skip(prefix + "embeddings.mask_token");
  const std::optional<Tensor> shared =
      bias_table(reader, prefix + "encoder.relative_position_bias.relative_position_bias_table", c, config.boolean("use_shared_relative_position_bias", false));
  reader.store().skip(prefix + "encoder.relative_position_bias.relative_position_index");
  for (int i = 0; i < c.num_layers; ++i) w.layers.push_back(read_hf_layer(reader, c, config, prefix, i, shared));
  if (c.pooling == Pooling::Mean)
    w.fc_norm = reader.layer_norm(prefix + "pooler.layernorm", d);
  else
    w.final_norm = reader.layer_norm(prefix + "layernorm", d);
  if (c.num_classes > 0) w.heads.push_back(reader.linear("classifier", c.num_classes, d));
  return w;
}

}  // namespace

const std::vector<std::string>& hf_beit_architectures() {
  static const std::vector<std::string> names{kModel, kClassifier};
  return names;
}

Model read_hf_beit(const std::filesystem::path& folder, const TensorStore& store, const JsonFile& config) {
  const std::string name = hf_architecture_name(config);
  Model model;
  model.path = folder.string();
  model.config = parse_hf_config(config, name);
  if (name == kClassifier) {
    const int rows = store.contains("classifier.weight") && !store.info("classifier.weight").shape.empty() ? static_cast<int>(store.info("classifier.weight").shape.front()) : 0;
    model.config.num_classes = count_hf_classes(config, rows);
  }
  validate_config(model.config, config.path());
  model.labels = parse_hf_labels(config, model.config.num_classes, false);
  model.weights = read_hf_weights(CheckpointReader(store, config.path()), model.config, config, name == kClassifier ? "beit." : "");
  model.preprocess = read_hf_preprocess(folder, model.config, default_vit_preprocess(model.config));
  return model;
}

bool is_timm_beit(const TensorStore& store) {
  return store.contains("blocks.0.attn.q_bias") || store.contains("blocks.0.attn.relative_position_bias_table") ||
         store.contains("rel_pos_bias.relative_position_bias_table");
}

int64_t timm_beit_position_rows(const TensorStore& store) {
  if (store.contains("pos_embed") && store.info("pos_embed").shape.size() == 3) return store.info("pos_embed").shape[1];
  const std::string table = store.contains("rel_pos_bias.relative_position_bias_table") ? "rel_pos_bias.relative_position_bias_table" : "blocks.0.attn.relative_position_bias_table";
  if (!store.contains(table) || store.info(table).shape.size() != 2)
    throw Error(store.description() + ": a timm BEiT checkpoint without pos_embed needs '" + table + "' to tell its patch grid");
  const int64_t offsets = store.info(table).shape[0] - 3;
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(offsets))));
  if (side * side != offsets || side % 2 == 0)
    throw Error(store.path_of(table) + ": " + std::to_string(offsets + 3) + " rows are no (2G - 1)^2 + 3 table of a square patch grid");
  const int64_t grid = (side + 1) / 2;
  return 1 + grid * grid;
}

void configure_timm_beit(const TensorStore& store, VitConfig& c) {
  c.family = "BEiT";
  c.relative_position_bias = store.contains("blocks.0.attn.relative_position_bias_table") || store.contains("rel_pos_bias.relative_position_bias_table");
  c.layer_scale = store.contains("blocks.0.gamma_1");
}

EncoderLayerWeights read_timm_beit_block(const CheckpointReader& reader, const VitConfig& c, int index) {
  const int64_t d = c.hidden_size;
  const std::string base = "blocks." + std::to_string(index) + ".";
  EncoderLayerWeights layer;
  layer.norm1 = reader.layer_norm(base + "norm1", d);
  // timm's k_bias is a zero buffer, left out of current state dicts.
  const Tensor q_bias = reader.optional_tensor(base + "attn.q_bias", {d}).value_or(Tensor({d}));
  const Tensor v_bias = reader.optional_tensor(base + "attn.v_bias", {d}).value_or(Tensor({d}));
  layer.qkv = {reader.tensor(base + "attn.qkv.weight", {3 * d, d}), reshaped(concat_rows({q_bias, Tensor({d}), v_bias}, d), {3 * d})};
  layer.proj = reader.linear(base + "attn.proj", d, d);
  layer.norm2 = reader.layer_norm(base + "norm2", d);
  layer.fc1 = reader.linear(base + "mlp.fc1", c.mlp_size, d);
  layer.fc2 = reader.linear(base + "mlp.fc2", d, c.mlp_size);
  reader.fold_optional_layer_scale(base + "gamma_1", layer.proj);
  reader.fold_optional_layer_scale(base + "gamma_2", layer.fc2);
  const std::string own = base + "attn.relative_position_bias_table";
  const std::string shared = "rel_pos_bias.relative_position_bias_table";
  layer.relative_position_bias = sum_tables(bias_table(reader, own, c, reader.contains(own)), bias_table(reader, shared, c, reader.contains(shared)));
  reader.store().skip(base + "attn.relative_position_index");
  reader.store().skip(base + "attn.k_bias");  // older timm saved the zero buffer
  reader.store().skip("rel_pos_bias.relative_position_index");
  return layer;
}

}  // namespace vitlens
