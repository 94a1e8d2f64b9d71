#pragma once
#include "vitlens/analysis/maps.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/model.hpp"
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

// The logit to explain. `class_text` is a class index or label (empty: the top class, which
// the explanation's own forward pass resolves). For a YOLOS detector the query must be a
// detection token, whose class logit is the target ("no object" is never the top class).
// Throws vitlens::Error naming the class or query that does not exist.
// A class named by index or label ("3", "tabby cat"): its index among the model's classes
// (a detector's, without "no object"). Throws vitlens::Error when there is no such class.
int class_index(const Model& model, const std::string& text);

LogitTarget explanation_target(const Model& model, const QueryToken& query, const std::string& class_text);

}  // namespace vitlens
