#pragma once
#include "vitlens/model/config.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// Resamples the patch rows of a position-embedding table [prefix + gh0*gw0, D] to a
// gh x gw grid. The first `prefix` rows (CLS, distillation) pass through unchanged; the
// same grid in gives the same table out. `mode` picks the framework's semantics:
//  - Bicubic: PyTorch's bicubic kernel (a = -0.75, align_corners = False, border repeated),
//    current transformers' interpolate_pos_encoding;
//  - AntialiasedBicubic: F.interpolate(..., antialias=True), timm's resample_abs_pos_embed:
//    Pillow's kernel (a = -0.5) widened by the scale factor when the grid shrinks, taps
//    past the border dropped and the weights renormalised.
Tensor interpolate_pos_embed(const Tensor& table, int prefix, int gh0, int gw0, int gh, int gw,
                             PositionResample mode = PositionResample::Bicubic);

// The same for a table [prefix + gh0*gw0 + suffix, D] whose last `suffix` rows (YOLOS's
// detection tokens) also pass through unchanged, as transformers' YOLOS
// InterpolateInitialPositionEmbeddings and InterpolateMidPositionEmbeddings do. YOLOS always
// resamples, which is the identity for an unchanged grid.
Tensor interpolate_pos_embed(const Tensor& table, int prefix, int suffix, int gh0, int gw0, int gh, int gw,
                             PositionResample mode = PositionResample::Bicubic);

}  // namespace vitlens
