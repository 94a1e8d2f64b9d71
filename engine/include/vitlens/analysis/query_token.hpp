#pragma once
#include <string>

#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// The token whose attention row a map shows, as a user names it:
//   "cls", "dist" (DeiT's distillation token), "reg:J" (register J of DINOv2 with registers),
//   "det:J" (YOLOS detection token J), "patch:R,C" (the patch in grid row R, column C),
//   "token:K" (token index K), "probe" (SigLIP's pooling probe: not a token of the sequence,
//   its attention comes from the pooling head; see probe_attention_maps).
struct QueryToken {
  enum class Kind { Cls, Dist, Reg, Det, Patch, Token, Probe };
  Kind kind = Kind::Cls;
  int index = 0;  // Det: detection token; Token: token index; Patch: grid row
  int column = 0;  // Patch: grid column

  static QueryToken parse(const std::string& text);  // throws vitlens::Error naming the text
  std::string name() const;                            // the parse()able form: "patch:3,4"
  std::string file_tag() const;                        // file-name safe: "patch3-4"
  // The token index in `layout`. Throws vitlens::Error when the token does not exist there
  // (no distillation, register or detection tokens, a patch outside the grid, an index past
  // the end) and for the probe, which is no token of the sequence.
  int resolve(const TokenLayout& layout) const;
};

}  // namespace vitlens
