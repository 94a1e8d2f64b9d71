#pragma once
#include <memory>
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

// The same maps computed layer by layer while a forward pass streams its attention, so that
// only one layer's rows and the running product A_l ... A_0 (tokens x tokens, in double) are
// held, never every layer's: for a ViT-S/8 at 785 tokens about 20 MB instead of 170 MB.
// Costs tokens^3 multiply-adds per layer up to the last selected one. Usage:
//   RolloutAccumulator rollout(layout, selection, discard, config.num_layers, config.num_heads);
//   session.run(pixels, rollout.request());
//   AttentionMaps maps = rollout.maps();
class RolloutProduct;  // the running product (rollout.cpp)

class RolloutAccumulator {
 public:
  // Throws vitlens::Error for a layer, head, query or discard ratio out of range.
  RolloutAccumulator(const TokenLayout& layout, const MapSelection& selection, double discard, int num_layers,
                     int num_heads);
  ~RolloutAccumulator();
  RolloutAccumulator(const RolloutAccumulator&) = delete;
  RolloutAccumulator& operator=(const RolloutAccumulator&) = delete;

  // Every attention row, handed to add_layer one layer at a time; the rows of `kept_tokens`
  // are also kept (kept_rows), for maps besides the rollout. The accumulator must outlive
  // the forward pass that uses it.
  AttentionRequest request(std::vector<int> kept_tokens = {});
  // Layer `layer`'s rows [heads, tokens, tokens]; layers must come in order from 0.
  void add_layer(int layer, const Tensor& rows);
  // The maps once every selected layer was added; throws vitlens::Error before.
  AttentionMaps maps() const;
  // The kept tokens' rows [layers, heads, kept tokens, tokens], as ForwardOutput::attention
  // holds them for AttentionRequest::selected(kept_tokens).
  const Tensor& kept_rows() const { return kept_rows_; }

 private:
  void keep_rows(int layer, const Tensor& rows);

  std::unique_ptr<RolloutProduct> product_;
  TokenLayout layout_;
  AttentionMaps maps_;
  int num_layers_ = 0;
  std::vector<int> kept_tokens_;
  Tensor kept_rows_;
  int next_layer_ = 0;
  int last_layer_ = 0;  // the last selected layer: later ones are not needed
};

}  // namespace vitlens
