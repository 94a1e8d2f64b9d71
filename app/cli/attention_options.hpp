#pragma once
#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/upsampling.hpp"

namespace vitlens::cli {

enum class AttentionMethod { Raw, Rollout, Mask, Relevance, Gradcam };
// Relevance and Grad-CAM need the gradient of a logit.
bool needs_gradients(AttentionMethod method);
const char* to_string(AttentionMethod method);

// What `vitlens-cli attention` was asked for, checked for everything that does not depend
// on the model (UsageError otherwise).
struct AttentionOptions {
  AttentionMethod method = AttentionMethod::Raw;
  MapSelection selection;  // layers and heads empty = all; fusion from --heads mean|max|min
  double discard = 0;      // rollout
  double mass = 0.6;       // mask
  std::string class_text;  // relevance, gradcam: --class K|LABEL; empty = the top class
  Colormap colormap = Colormap::Viridis;
  double opacity = 0.5;
  Blend blend = Blend::Ramp;
  bool shared_range = false;
  Upsampling upsampling = Upsampling::Nearest;
  int cell_size = 160;
  bool overlay = false, heatmap = false, grid = false, npy = false, json = false;
  bool overwrite = false;
  std::string out;
};

void add_attention_options(ArgParser& parser);
AttentionOptions parse_attention_options(const ParsedArgs& args);

}  // namespace vitlens::cli
