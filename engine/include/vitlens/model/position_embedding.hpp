#pragma once
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// Resamples the patch rows of a position-embedding table [prefix + gh0*gw0, D] to a
// gh x gw grid with PyTorch's bicubic kernel (a = -0.75, align_corners = False), the
// semantics of current transformers' interpolate_pos_encoding. The first `prefix` rows
// (CLS, distillation) pass through unchanged. Same size in, same table out.
Tensor interpolate_pos_embed(const Tensor& table, int prefix, int gh0, int gw0, int gh, int gw);

// The same for a table [prefix + gh0*gw0 + suffix, D] whose last `suffix` rows (YOLOS's
// detection tokens) also pass through unchanged, as transformers' YOLOS
// InterpolateInitialPositionEmbeddings and InterpolateMidPositionEmbeddings do. YOLOS always
// resamples, which is the identity for an unchanged grid.
Tensor interpolate_pos_embed(const Tensor& table, int prefix, int suffix, int gh0, int gw0, int gh, int gw);

}  // namespace vitlens
