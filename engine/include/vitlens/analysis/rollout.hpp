#pragma once
#include <vector>

#include "vitlens/analysis/maps.hpp"

namespace vitlens {

// Attention rollout (Abnar & Zuidema 2020): how much each token's final representation
// draws on each input token through the residual stream. Per layer, the heads are fused,
// optionally the lowest fraction `discard` of the fused weights is zeroed (the CLS->CLS
// entry never is, as in jacobgil/vit-explain), A = 0.5 W + 0.5 I, and every ROW of A is
// renormalised to sum 1 (vit-explain normalises columns by mistake, its issue 16). The
// rollout through layer l is A_l ... A_1 A_0; its row for a query token sums to 1.
struct RolloutOptions {
  HeadFusion fusion = HeadFusion::Mean;
  std::vector<int> heads;  // the heads fused per layer; empty means all
  double discard = 0;      // fraction in [0, 1) of each fused matrix's entries set to 0
};

// The rollout row of `query_token` through `last_layer` over every token, from full
// attention [layers, heads, tokens, tokens]. Throws vitlens::Error for bad arguments.
std::vector<float> rollout_row(const Tensor& attention, int query_token, int last_layer, const RolloutOptions& options);

// Rollout maps [layers, 1, queries, grid_h, grid_w]: for each selected layer l, each query's
// rollout row through l over the patch tokens. `output` must hold every attention row
// (AttentionRequest::all()); selection.fusion and selection.heads say how heads are fused.
AttentionMaps attention_rollout(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection,
                                double discard);

}  // namespace vitlens
