#include "backend/host/weight_shapes.hpp"

#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens::cpu {
namespace {

class ShapeChecker {
 public:
  explicit ShapeChecker(const Model& model) : source_(model.path.empty() ? "model" : model.path) {}

  void expect(const Tensor& tensor, const std::vector<int64_t>& shape, const std::string& what) const {
    if (tensor.shape != shape || tensor.numel() != static_cast<int64_t>(tensor.data.size()))
      throw Error(source_ + ": " + what + " has shape " + shape_string(tensor.shape) + " (" +
                  std::to_string(tensor.data.size()) + " values) but the config needs " + shape_string(shape));
  }

  void expect_linear(const Linear& linear, int64_t out, int64_t in, const std::string& what) const {
    expect(linear.weight, {out, in}, what + " weight");
    if (!linear.bias.empty()) expect(linear.bias, {out}, what + " bias");
  }

  void expect_norm(const LayerNormWeights& norm, int64_t width, const std::string& what) const {
    expect(norm.weight, {width}, what + " weight");
    expect(norm.bias, {width}, what + " bias");
  }

  void fail(const std::string& problem) const { throw Error(source_ + ": " + problem); }

 private:
  std::string source_;
};

void check_detection(const ShapeChecker& check, const Model& model) {
  const VitConfig& c = model.config;
  const VitWeights& w = model.weights;
  const int64_t d = c.hidden_size;
  if (c.num_detection_tokens < 0) check.fail("negative number of detection tokens");
  if (w.detection.has_value() != (c.num_detection_tokens > 0))
    check.fail("detection tokens and detection heads must come together");
  if (!w.detection) return;
  check.expect(w.suffix_tokens, {c.num_detection_tokens, d}, "detection tokens");
  if (!w.mid_pos_embed.empty() && static_cast<int>(w.mid_pos_embed.size()) != c.num_layers - 1)
    check.fail(std::to_string(w.mid_pos_embed.size()) + " mid-position embeddings for " + std::to_string(c.num_layers) +
               " layers (expected one per layer but the last)");
  for (size_t i = 0; i < w.mid_pos_embed.size(); ++i)
    check.expect(w.mid_pos_embed[i], w.pos_embed.shape, "mid-position embedding " + std::to_string(i));
  const auto mlp = [&](const std::vector<Linear>& layers, int64_t out, const std::string& name) {
    if (layers.size() != 3) check.fail(name + " has " + std::to_string(layers.size()) + " layers instead of 3");
    for (size_t i = 0; i < 3; ++i) check.expect_linear(layers[i], i == 2 ? out : d, d, name + " layer " + std::to_string(i));
  };
  mlp(w.detection->class_mlp, c.num_classes + 1, "detection class head");
  mlp(w.detection->box_mlp, 4, "detection box head");
}

// What sits on top of the encoder: pooling, fc_norm, classifier heads, the projection.
void check_heads(const ShapeChecker& check, const Model& model) {
  const VitConfig& c = model.config;
  const VitWeights& w = model.weights;
  const int64_t d = c.hidden_size;
  const int64_t feature = c.pooling == Pooling::ClsAndMean ? 2 * d : d;
  if (w.fc_norm) check.expect_norm(*w.fc_norm, feature, "fc_norm");
  if (c.num_classes > 0 && w.heads.empty() && !w.detection) check.fail("the config names classes but there is no classifier head");
  for (size_t i = 0; i < w.heads.size(); ++i)
    check.expect_linear(w.heads[i], c.num_classes, feature, "classifier head " + std::to_string(i));
  if (c.pooling == Pooling::Token && static_cast<int>(w.heads.size()) > c.num_prefix_tokens)
    check.fail(std::to_string(w.heads.size()) + " classifier heads read one prefix token each, but there are only " +
               std::to_string(c.num_prefix_tokens) + " prefix tokens");
  if ((c.pooling == Pooling::Token || c.pooling == Pooling::ClsAndMean) && !c.class_token)
    check.fail(std::string("pooling '") + to_string(c.pooling) + "' reads the CLS token, but the model has none");
  if (w.probe.has_value() != (c.pooling == Pooling::Probe)) check.fail("an attention-probe head and probe pooling must come together");
  if (w.probe) {
    check.expect(w.probe->probe, {d}, "pooling probe");
    check.expect_linear(w.probe->q, d, d, "probe head q");
    check.expect_linear(w.probe->kv, 2 * d, d, "probe head kv");
    check.expect_linear(w.probe->proj, d, d, "probe head projection");
    check.expect_norm(w.probe->norm, d, "probe head norm");
    check.expect_linear(w.probe->fc1, w.probe->fc1.weight.dim(0), d, "probe head fc1");
    check.expect_linear(w.probe->fc2, d, w.probe->fc1.weight.dim(0), "probe head fc2");
  }
  if (w.projection.has_value() != (c.projection_size > 0)) check.fail("a projection and a projection size must come together");
  if (w.projection) check.expect_linear(*w.projection, c.projection_size, feature, "projection");
}

}  // namespace

void check_weight_shapes(const Model& model) {
  const VitConfig& c = model.config;
  const VitWeights& w = model.weights;
  const ShapeChecker check(model);
  if (c.hidden_size < 1 || c.num_heads < 1 || c.hidden_size % c.num_heads != 0)
    check.fail("hidden size " + std::to_string(c.hidden_size) + " does not split into " +
               std::to_string(c.num_heads) + " attention heads");
  if (c.patch_size < 1 || c.num_channels < 1 || c.grid_height() < 1 || c.grid_width() < 1)
    check.fail("patch size " + std::to_string(c.patch_size) + " does not fit the " + std::to_string(c.image_height) +
               "x" + std::to_string(c.image_width) + " training image");
  if (c.num_register_tokens < 0 || c.num_prefix_tokens < c.num_register_tokens + (c.class_token ? 1 : 0))
    check.fail(std::to_string(c.num_prefix_tokens) + " prefix tokens cannot hold " + (c.class_token ? "a CLS token and " : "") +
               std::to_string(c.num_register_tokens) + " registers");
  if (static_cast<int>(w.layers.size()) != c.num_layers)
    check.fail("the config names " + std::to_string(c.num_layers) + " layers but there are weights for " +
               std::to_string(w.layers.size()));

  const int64_t d = c.hidden_size;
  const int64_t patch_values = int64_t{c.num_channels} * c.patch_size * c.patch_size;
  check.expect_linear(w.patch_embed, d, patch_values, "patch embedding");
  check.expect(w.prefix_tokens, {c.num_prefix_tokens, d}, "prefix tokens");
  const int64_t pos_rows = c.positioned_prefix_tokens() + int64_t{c.grid_height()} * c.grid_width() + c.num_detection_tokens;
  check.expect(w.pos_embed, {pos_rows, d}, "position embedding");
  check_detection(check, model);
  if (w.pre_norm) check.expect_norm(*w.pre_norm, d, "pre-norm");
  const int64_t fc1_rows = c.mlp == MlpKind::SwiGlu ? 2 * int64_t{c.mlp_size} : c.mlp_size;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const EncoderLayerWeights& layer = w.layers[i];
    const std::string name = "layer " + std::to_string(i);
    check.expect_norm(layer.norm1, d, name + " norm1");
    check.expect_linear(layer.qkv, 3 * d, d, name + " qkv");
    check.expect_linear(layer.proj, d, d, name + " attention projection");
    check.expect_norm(layer.norm2, d, name + " norm2");
    check.expect_linear(layer.fc1, fc1_rows, d, name + " fc1");
    check.expect_linear(layer.fc2, d, c.mlp_size, name + " fc2");
  }
  if (w.final_norm) check.expect_norm(*w.final_norm, d, "final norm");
  check_heads(check, model);
}

}  // namespace vitlens::cpu
