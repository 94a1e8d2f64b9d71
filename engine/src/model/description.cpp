#include "vitlens/model/description.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace vitlens {
namespace {

constexpr size_t kLabelsShown = 5;

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string triple(const std::array<float, 3>& v) {
  char text[64];
  std::snprintf(text, sizeof text, "(%.4f, %.4f, %.4f)", v[0], v[1], v[2]);
  return text;
}

std::string labels_text(const std::vector<std::string>& labels) {
  std::string text;
  for (size_t i = 0; i < std::min(labels.size(), kLabelsShown); ++i) text += (i ? ", " : "") + labels[i];
  return labels.size() > kLabelsShown ? text + ", ..." : text;
}

std::string classes_text(const Model& model) {
  const int classes = model.config.num_classes;
  if (!classes) return "none (encoder only)";
  return std::to_string(classes) + ": " + labels_text(model.labels);
}

std::string prefix_text(const VitConfig& c) {
  std::vector<std::string> kinds;
  if (c.class_token) kinds.push_back("CLS");
  if (c.num_prefix_tokens - c.num_register_tokens - (c.class_token ? 1 : 0) > 0) kinds.push_back("distillation");
  if (c.num_register_tokens) kinds.push_back(std::to_string(c.num_register_tokens) + " registers");
  std::string text = std::to_string(c.num_prefix_tokens);
  for (size_t i = 0; i < kinds.size(); ++i) text += (i ? ", " : " (") + kinds[i];
  return kinds.empty() ? text + " (no CLS token)" : text + ")";
}

// What sets the family apart, in the words of its papers.
std::string features_text(const Model& model) {
  const VitConfig& c = model.config;
  std::vector<std::string> features;
  if (c.num_register_tokens) features.push_back("registers: " + std::to_string(c.num_register_tokens));
  if (c.layer_scale) features.push_back("LayerScale");
  if (c.relative_position_bias) features.push_back("relative position bias");
  if (model.weights.pre_norm) features.push_back("pre-norm before the encoder");
  if (c.mlp == MlpKind::SwiGlu) features.push_back("SwiGLU MLP");
  if (c.pooling == Pooling::Probe) features.push_back("attention-probe pooling");
  if (c.pooling == Pooling::ClsAndMean) features.push_back("classifier on [CLS, patch mean]");
  if (c.pooling == Pooling::Mean) features.push_back("mean pooling");
  if (model.weights.projection) features.push_back("projection to a " + std::to_string(c.projection_size) + "-d joint embedding");
  if (!c.pos_embed_has_prefix) features.push_back("no position embedding on prefix tokens");
  if (model.has_detector()) features.push_back("detection tokens");
  std::string text;
  for (size_t i = 0; i < features.size(); ++i) text += (i ? ", " : "") + features[i];
  return text.empty() ? "plain ViT" : text;
}

int embedding_size(const Model& model) {
  if (model.config.projection_size) return model.config.projection_size;
  return model.config.pooling == Pooling::ClsAndMean ? 2 * model.config.hidden_size : model.config.hidden_size;
}

}  // namespace

std::string model_kind(const Model& model) {
  if (model.has_detector()) return "object detector";
  if (model.has_classifier()) return "image classifier";
  return "encoder (features and attention only)";
}

std::string resize_description(const PreprocessConfig& p) {
  if (!p.do_resize) return "none";
  using Mode = PreprocessConfig::ResizeMode;
  std::string size = p.resize_mode == Mode::Exact
                         ? std::to_string(p.height) + "x" + std::to_string(p.width) + " (exact)"
                         : "shortest edge " + std::to_string(p.shortest_edge);
  if (p.resize_mode == Mode::ShortestEdgeCapped)
    size += ", longest edge at most " + std::to_string(p.longest_edge) + ", sides floored to multiples of " +
            std::to_string(p.size_multiple);
  return size + ", " + to_string(p.resample);
}

std::vector<ModelFact> describe_model(const Model& model) {
  const VitConfig& c = model.config;
  const PreprocessConfig& p = model.preprocess;
  std::vector<ModelFact> facts = {
      {"model", model.path},
      {"architecture", c.architecture + " (" + c.format + ", " + model_kind(model) + ")"},
      {"family", c.family.empty() ? "ViT" : c.family},
      {"features", features_text(model)},
      {"hidden size", std::to_string(c.hidden_size)},
      {"layers", std::to_string(c.num_layers)},
      {"heads", std::to_string(c.num_heads) + " (head size " + std::to_string(c.head_dim()) + ")"},
      {"MLP size", std::to_string(c.mlp_size) + (c.mlp == MlpKind::SwiGlu ? " (SwiGLU)" : "")},
      {"patch size", std::to_string(c.patch_size)},
      {"image size", std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " (" +
                         std::to_string(c.grid_height()) + "x" + std::to_string(c.grid_width()) + " patches)"},
      {"prefix tokens", prefix_text(c)},
  };
  if (model.has_detector())
    facts.push_back({"detection tokens", std::to_string(c.num_detection_tokens) +
                                             (model.weights.mid_pos_embed.empty() ? "" : ", mid-position embeddings")});
  facts.push_back({"activation", to_string(c.activation)});
  facts.push_back({"pooling", to_string(c.pooling)});
  facts.push_back({"embedding size", std::to_string(embedding_size(model))});
  facts.push_back({"layer norm eps", number(c.layer_norm_eps)});
  facts.push_back({"parameters", std::to_string(model.parameter_count())});
  facts.push_back({"classes", classes_text(model)});
  facts.push_back({"resize", resize_description(p)});
  facts.push_back({"center crop", p.do_center_crop ? std::to_string(p.crop_height) + "x" + std::to_string(p.crop_width) : "none"});
  facts.push_back({"rescale", p.do_rescale ? "x " + number(p.rescale_factor) : "none"});
  facts.push_back({"normalize", p.do_normalize ? "mean " + triple(p.mean) + ", std " + triple(p.std) : "none"});
  return facts;
}

}  // namespace vitlens
