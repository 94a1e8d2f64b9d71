#pragma once
#include <map>
#include <utility>
#include <vector>

#include "backend/cpu/onednn.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens::cpu {

// Which post-softmax rows a layer hands back: for the j-th requested query token
// queries[j], its row of every head goes to probabilities + (h * queries.size() + j) * T.
struct AttentionRows {
  const std::vector<int>* queries = nullptr;
  float* probabilities = nullptr;  // null: no rows
};

// BEiT's relative position bias of one layer, fitted to the input grid
// (model/relative_position_bias.hpp): table [rows, heads]. An empty table adds nothing.
struct PositionBias {
  const Tensor* table = nullptr;
  int grid_height = 0;
  int grid_width = 0;
};

// Multi-head self-attention softmax(q·kᵀ/sqrt(dh) + bias)·v on the fused projection
// qkv [T, 3D], a block of query rows at a time: every head's scores for the block are
// computed (a batched oneDNN matmul reading q and k in place from qkv), biased, put through
// the softmax, copied out when requested and multiplied by v into that block's rows of the
// output. A block holds at most heads x rows x T scores (a fixed budget of rows x T), so
// memory grows with T, never with T², and requested rows cost only their copy. Unlike the
// Vulkan kernel's online softmax, each row's softmax sees all its scores at once: the block
// is over query rows, not keys.
class BlockedAttention {
 public:
  BlockedAttention(OneDnn& dnn, int hidden, int heads);

  // context [T, D] (heads merged) from qkv [T, 3D].
  void run(const float* qkv, int tokens, float* context, const AttentionRows& rows, const PositionBias& bias);
  // The context of query rows [first, end) only, into context [end - first, D]: every key
  // and value still takes part.
  void run_queries(const float* qkv, int tokens, int first, int end, float* context, const AttentionRows& rows,
                   const PositionBias& bias);

  // Query rows per block for T tokens.
  int block_rows(int tokens) const;

 private:
  struct Primitives {
    dnnl::matmul scores;   // q·kᵀ scaled
    dnnl::softmax_forward softmax;
    dnnl::matmul context;  // p·v
  };
  Primitives& primitives_for(int tokens, int rows);
  void add_bias(float* scores, int first, int rows, int tokens, const PositionBias& bias) const;
  void copy_rows(const float* scores, int first, int rows, int tokens, const AttentionRows& out) const;

  OneDnn* dnn_;
  int hidden_, heads_, head_dim_;
  std::vector<float> scores_;
  std::map<std::pair<int, int>, Primitives> primitives_;
};

}  // namespace vitlens::cpu
