#include <algorithm>
#include <iostream>

#include "command.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cli {

namespace {

constexpr size_t kLabelsShown = 5;

const char* to_string(PreprocessConfig::ResizeMode mode) {
  switch (mode) {
    case PreprocessConfig::ResizeMode::Exact: return "exact";
    case PreprocessConfig::ResizeMode::ShortestEdge: return "shortest_edge";
    case PreprocessConfig::ResizeMode::ShortestEdgeCapped: return "shortest_edge_capped";
    case PreprocessConfig::ResizeMode::Cover: return "cover";
  }
  return "unknown";
}

Json architecture_json(const Model& model) {
  const VitConfig& c = model.config;
  return {{"model", model.path},
          {"architecture", c.architecture},
          {"format", c.format},
          {"hidden_size", c.hidden_size},
          {"num_layers", c.num_layers},
          {"num_heads", c.num_heads},
          {"mlp_size", c.mlp_size},
          {"patch_size", c.patch_size},
          {"num_channels", c.num_channels},
          {"image_size", {c.image_height, c.image_width}},
          {"prefix_tokens", c.num_prefix_tokens},
          {"detection_tokens", c.num_detection_tokens},
          {"mid_position_embeddings", !model.weights.mid_pos_embed.empty()},
          {"pos_embed_has_prefix", c.pos_embed_has_prefix},
          {"layer_norm_eps", c.layer_norm_eps},
          {"activation", to_string(c.activation)},
          {"pooling", to_string(c.pooling)},
          {"parameters", model.parameter_count()},
          {"num_classes", c.num_classes}};
}

Json preprocess_json(const PreprocessConfig& p) {
  Json resize = {{"enabled", p.do_resize}, {"mode", to_string(p.resize_mode)}};
  if (p.resize_mode == PreprocessConfig::ResizeMode::Exact)
    resize["size"] = {p.height, p.width};
  else
    resize["shortest_edge"] = p.shortest_edge;
  if (p.resize_mode == PreprocessConfig::ResizeMode::ShortestEdgeCapped) {
    resize["longest_edge"] = p.longest_edge;
    resize["multiple_of"] = p.size_multiple;
  }
  resize["resample"] = to_string(p.resample);
  return {{"resize", resize},
          {"center_crop", {{"enabled", p.do_center_crop}, {"size", {p.crop_height, p.crop_width}}}},
          {"rescale", {{"enabled", p.do_rescale}, {"factor", p.rescale_factor}}},
          {"normalize", {{"enabled", p.do_normalize}, {"mean", shortest({p.mean.begin(), p.mean.end()})},
                         {"std", shortest({p.std.begin(), p.std.end()})}}}};
}

std::string triple(const std::array<float, 3>& v) {
  std::string text = "(";
  for (size_t i = 0; i < v.size(); ++i) text += (i ? ", " : "") + fixed(v[i], 4);
  return text + ")";
}

std::string resize_text(const PreprocessConfig& p) {
  if (!p.do_resize) return "none";
  std::string size = p.resize_mode == PreprocessConfig::ResizeMode::Exact
                         ? std::to_string(p.height) + "x" + std::to_string(p.width) + " (exact)"
                         : "shortest edge " + std::to_string(p.shortest_edge);
  if (p.resize_mode == PreprocessConfig::ResizeMode::ShortestEdgeCapped)
    size += ", longest edge at most " + std::to_string(p.longest_edge) + ", sides floored to multiples of " +
            std::to_string(p.size_multiple);
  return size + ", " + to_string(p.resample);
}

std::string labels_text(const std::vector<std::string>& labels) {
  std::string text;
  for (size_t i = 0; i < std::min(labels.size(), kLabelsShown); ++i) text += (i ? ", " : "") + labels[i];
  return labels.size() > kLabelsShown ? text + ", ..." : text;
}

void print_text(const Model& model) {
  const VitConfig& c = model.config;
  const PreprocessConfig& p = model.preprocess;
  Table table({{"", Table::Align::Left}, {"", Table::Align::Left}});
  table.add_row({"model", model.path});
  table.add_row({"architecture", c.architecture + " (" + c.format + ")"});
  table.add_row({"hidden size", std::to_string(c.hidden_size)});
  table.add_row({"layers", std::to_string(c.num_layers)});
  table.add_row({"heads", std::to_string(c.num_heads) + " (head size " + std::to_string(c.head_dim()) + ")"});
  table.add_row({"MLP size", std::to_string(c.mlp_size)});
  table.add_row({"patch size", std::to_string(c.patch_size)});
  table.add_row({"image size", std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " (" +
                                   std::to_string(c.grid_height()) + "x" + std::to_string(c.grid_width()) +
                                   " patches)"});
  table.add_row({"prefix tokens", std::to_string(c.num_prefix_tokens)});
  if (model.has_detector())
    table.add_row({"detection tokens", std::to_string(c.num_detection_tokens) +
                                           (model.weights.mid_pos_embed.empty() ? "" : ", mid-position embeddings")});
  table.add_row({"activation", to_string(c.activation)});
  table.add_row({"pooling", to_string(c.pooling)});
  table.add_row({"layer norm eps", compact(c.layer_norm_eps)});
  table.add_row({"parameters", std::to_string(model.parameter_count())});
  table.add_row({"classes", c.num_classes ? std::to_string(c.num_classes) + ": " + labels_text(model.labels)
                                          : "none (encoder only)"});
  table.add_row({"resize", resize_text(p)});
  table.add_row({"center crop", p.do_center_crop
                                    ? std::to_string(p.crop_height) + "x" + std::to_string(p.crop_width)
                                    : "none"});
  table.add_row({"rescale", p.do_rescale ? "x " + compact(p.rescale_factor) : "none"});
  table.add_row({"normalize", p.do_normalize ? "mean " + triple(p.mean) + ", std " + triple(p.std) : "none"});
  table.print(std::cout);
}

}  // namespace

ArgParser info_arguments() {
  ArgParser parser(kProgram, "info", "Describe a model: architecture, sizes, labels and pre-processing.");
  add_model_option(parser);
  return add_json_flag(parser);
}

int run_info(const ParsedArgs& args) {
  std::shared_ptr<const Model> model = load_model_option(args);
  if (!args.flag("json")) {
    print_text(*model);
    return 0;
  }
  Json document = architecture_json(*model);
  document["labels"] = model->labels;
  document["preprocess"] = preprocess_json(model->preprocess);
  print_json(std::cout, document);
  return 0;
}

}  // namespace vitlens::cli
