#include <iostream>

#include "command.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/model/description.hpp"

namespace vitlens::cli {

namespace {

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

// The engine's description, the one Model > Info shows too.
void print_text(const Model& model) {
  Table table({{"", Table::Align::Left}, {"", Table::Align::Left}});
  for (const ModelFact& fact : describe_model(model)) table.add_row({fact.name, fact.value});
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
