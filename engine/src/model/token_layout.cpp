#include "vitlens/model/token_layout.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

TokenLayout token_layout(const VitConfig& config, int input_height, int input_width) {
  const int p = config.patch_size;
  if (p <= 0 || input_height <= 0 || input_width <= 0 || input_height % p || input_width % p)
    throw Error("input size " + std::to_string(input_width) + "x" + std::to_string(input_height) +
                " is not a positive multiple of the " + std::to_string(p) + "-pixel patch size");
  TokenLayout layout;
  layout.prefix = config.num_prefix_tokens;
  layout.grid_h = input_height / p;
  layout.grid_w = input_width / p;
  layout.suffix = config.num_detection_tokens;
  layout.has_class_token = config.class_token;
  layout.registers = config.num_register_tokens;
  layout.has_distillation = config.num_prefix_tokens - config.num_register_tokens >= 2;
  return layout;
}

std::string describe(const TokenLayout& layout) {
  std::string text = std::to_string(layout.prefix) + " prefix" +
                     (layout.registers ? " (" + std::to_string(layout.registers) + " registers)" : "") + " + " +
                     std::to_string(layout.grid_h) + "x" +
                     std::to_string(layout.grid_w) + " patches";
  if (layout.suffix) text += " + " + std::to_string(layout.suffix) + " detection";
  return text + " tokens (" + std::to_string(layout.tokens()) + ")";
}

}  // namespace vitlens
