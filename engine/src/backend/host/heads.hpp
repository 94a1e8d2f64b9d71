#pragma once
#include <utility>
#include <vector>

#include "backend/host/matrix.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// What sits on top of the encoder: pooling (a token, the patch mean, DINOv2's [CLS, mean],
// SigLIP's attention probe), fc_norm, the classifier heads and CLIP's projection. Every
// backend runs this same host code on its final hidden state [tokens, D]: it reads one or two
// feature vectors, so it costs next to nothing beside the encoder, and one implementation
// keeps the backends' logits identical in meaning.
//
// `probe_kv` holds the probe head's keys and values [tokens, 2D] when the backend computed
// that GEMM itself (the only large one in any head); empty, it is computed here.
// Fills out.logits (classifiers only), out.embedding and out.probe_attention (probe only).
void run_heads(const Model& model, const Tensor& hidden, const Tensor& probe_kv, ForwardOutput& out);

// The rows of the final hidden state [tokens, D] that run_heads and a detector's heads read,
// as (first, count) ranges in order: the prefix tokens of token pooling (and the CLS that
// gives a detector its embedding), a detector's detection tokens. Empty when they read every
// row (mean pooling, DINOv2's [CLS, mean], SigLIP's probe).
std::vector<std::pair<int, int>> rows_read_by_heads(const Model& model, int tokens);

// The gradient of `target` (a class logit, or a detection token's class logit) with respect to
// the final hidden state [tokens, D], given the forward pass `output` that ran the heads.
// Resolves LogitTarget::kTopClass in `target` to the top class of `output`. Throws
// vitlens::Error for a class or detection token the model does not have, and for a model
// whose output has no class logits.
Matrix head_gradient(const Model& model, const ForwardOutput& output, LogitTarget& target);

}  // namespace vitlens::cpu
