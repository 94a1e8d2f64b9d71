#pragma once
#include <string>

#include "vitlens/model/config.hpp"

namespace vitlens {

// Where each kind of token sits in a forward pass's token sequence:
//   [prefix tokens (CLS, then DeiT's distillation token, then registers) | grid_h x grid_w
//    patch tokens in raster order | suffix tokens (YOLOS's detection tokens)].
// SigLIP has no prefix at all.
// The patch grid follows the pre-processed input, so it changes with the input size.
struct TokenLayout {
  int prefix = 1;
  int grid_h = 0;
  int grid_w = 0;
  int suffix = 0;
  bool has_distillation = false;  // token 1 is DeiT's distillation token
  int registers = 0;              // the last `registers` prefix tokens
  bool has_class_token = true;    // false for SigLIP

  int patches() const { return grid_h * grid_w; }
  int tokens() const { return prefix + patches() + suffix; }
  int first_patch() const { return prefix; }
  int first_register() const { return prefix - registers; }
  int first_suffix() const { return prefix + patches(); }
  int patch_token(int row, int column) const { return prefix + row * grid_w + column; }
};

// The layout of a model's tokens for a pre-processed input of input_height x input_width
// pixels. Throws vitlens::Error when the size is not a positive multiple of the patch size.
TokenLayout token_layout(const VitConfig& config, int input_height, int input_width);

// "1 prefix + 7x5 patches + 100 suffix tokens (139)" for error messages.
std::string describe(const TokenLayout& layout);

}  // namespace vitlens
