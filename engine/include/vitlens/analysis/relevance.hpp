#pragma once
#include "vitlens/analysis/maps.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// Class-specific relevance (Chefer, Gur & Wolf, "Generic Attention-model Explainability for
// Interpreting Bi-Modal and Encoder-Decoder Transformers", ICCV 2021): starting from R = I,
// for each layer in order R <- R + mean over heads of (dA * A)^+ · R, with A the layer's
// post-softmax attention and dA the gradient of the target logit with respect to it. The map
// is the query token's row of R over the patches (CLS for a classifier, the detection token
// for a YOLOS detection). Returns one map: layer = the last layer, head "relevance".
AttentionMaps relevance_maps(const Explanation& explanation, const TokenLayout& layout, const QueryToken& query);

// Grad-CAM on tokens as pytorch-grad-cam does it for ViTs: at the last block's first
// LayerNorm, each channel's gradient averaged over the patch tokens weights that channel's
// activation; the weighted sum over channels, through a ReLU, per patch. Head "gradcam".
AttentionMaps gradcam_maps(const Explanation& explanation, const TokenLayout& layout, const QueryToken& query);

}  // namespace vitlens
