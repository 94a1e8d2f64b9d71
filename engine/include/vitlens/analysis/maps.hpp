#pragma once
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/analysis/query_token.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/tensor.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// How several heads' maps become one: element-wise mean, max or min.
enum class HeadFusion { Mean, Max, Min };
const char* to_string(HeadFusion fusion);
HeadFusion parse_head_fusion(const std::string& text);  // "mean", "max", "min"; throws vitlens::Error

// A stack of maps over the patch grid, [layers, heads, queries, grid_h, grid_w], and what
// each index means. It is what every analysis returns, the .npy export writes and the
// renderers draw.
struct AttentionMaps {
  std::string method;              // "raw", "rollout" or "mask"
  std::vector<int> layers;         // model layer of each layer index (rollout: rolled out through it)
  std::vector<std::string> heads;  // "0", "5", ... or the fusion ("mean", "max", "min")
  std::vector<QueryToken> queries;
  std::vector<int> query_tokens;   // token index of each query
  int grid_h = 0;
  int grid_w = 0;
  Tensor values;  // [layers.size(), heads.size(), queries.size(), grid_h, grid_w]
  // Raw attention and masks made from it: the share of each row that lands on the prefix tokens (CLS,
  // distillation, registers) and on the registers alone, [layers, heads, queries]; the rest
  // lands on the patches (the map's sum) and on YOLOS's detection tokens. This is how
  // "Vision Transformers Need Registers" finds its artifacts. Empty for other methods.
  Tensor prefix_share;
  Tensor register_share;

  // An empty stack shaped for these labels.
  void allocate();
  // The map at (layer, head, query) indices as a grid_h x grid_w CV_32F matrix sharing
  // this object's memory.
  cv::Mat map(int layer, int head, int query);
  cv::Mat map(int layer, int head, int query) const;
};

// Which maps to take from a forward pass.
struct MapSelection {
  std::vector<int> layers;           // model layers; empty means all
  std::vector<int> heads;            // empty means all
  std::optional<HeadFusion> fusion;  // fuse the selected heads into one map per layer
  std::vector<QueryToken> queries;   // empty means CLS
};

// The query a map shows when the user names none: CLS, or the probe for SigLIP, which has no
// CLS token and pools with its probe.
QueryToken default_query(const VitConfig& config);
// The queries a model has by name, in token order: CLS, distillation, each register, then
// the probe. A user adds patches and detection tokens by clicking.
std::vector<QueryToken> named_queries(const VitConfig& config);

// Where one map's row goes: fractions on the prefix tokens (registers included), on the
// registers alone, and on the patches. From the maps' shares at (layer, head, query) indices.
struct AttentionShare {
  double prefix = 0;
  double registers = 0;
  double patches = 0;
};
std::optional<AttentionShare> attention_share(const AttentionMaps& maps, int layer, int head, int query);

// The selection with every default filled in. Throws vitlens::Error for a layer or head
// the model does not have ("layer 12 is out of range: the model has 12 layers (0-11)").
MapSelection resolve(const MapSelection& selection, int num_layers, int num_heads);

// The rows a forward pass must return for these queries.
AttentionRequest attention_request(const std::vector<int>& query_tokens);

// The query tokens of a selection in `layout` (see QueryToken::resolve for the errors).
std::vector<int> resolve_queries(const std::vector<QueryToken>& queries, const TokenLayout& layout);

// Post-softmax attention of the selected query tokens over the patch tokens, per selected
// layer and head (or fused over the selected heads). `output` must hold the rows of those
// queries (AttentionRequest::selected or all). Prefix and suffix keys are left out, so the
// maps need not sum to 1.
AttentionMaps raw_attention_maps(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection);

// SigLIP's pooling probe: its attention over the patches, per selected head (or fused), as
// one layer labelled num_layers (the pooling head sits after the last block) and one query
// "probe" whose token index is -1. Throws vitlens::Error when `output` has no probe
// attention (the model does not pool with a probe).
AttentionMaps probe_attention_maps(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection,
                                   int num_layers);

// Fuses maps element-wise over the heads axis: [L, H, Q, h, w] -> [L, 1, Q, h, w].
AttentionMaps fuse_heads(const AttentionMaps& maps, HeadFusion fusion);

}  // namespace vitlens
