#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "backend/vulkan/pipeline.hpp"
#include "backend/vulkan/recording.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens::vk {

// A matrix inside a bound slice; all counts are in floats.
struct MatrixRef {
  Slice data;
  uint32_t offset = 0;
  uint32_t ld = 0;     // row stride
  uint32_t batch = 0;  // stride between batch entries (heads)
  // 0: row-major. L > 0 (weights of the texel GEMM only): groups of L rows interleaved by
  // vec4 along K, as WeightLayout describes, with ld the padded row length.
  uint32_t interleave = 0;
};

// Y = act(alpha * (X * W^T + bias)) + residual, for `batch` independent products.
struct GemmArgs {
  uint32_t M = 0, N = 0, K = 0, batch = 1;
  MatrixRef x, w, y;
  Slice bias;              // optional [batch, N] with stride N... see bias_batch
  uint32_t bias_batch = 0;
  Slice residual;          // optional, laid out like y
  uint32_t residual_offset = 0;
  float alpha = 1.0f;
  uint32_t activation = 0;  // ActivationId
  const char* label = "";   // the product's role, for profiles
};

// Multi-head attention over a [tokens, 3 D] matrix of query, key and value columns.
struct AttentionArgs {
  uint32_t tokens = 0, heads = 0, head_size = 0;
  MatrixRef qkv;  // offset: head 0's query columns; ld: row stride
  uint32_t k_offset = 0, v_offset = 0;  // head 0's key and value columns
  MatrixRef out;  // [tokens, heads * head_size] with row stride ld
  Slice stats;    // 2 * heads * tokens floats: each row's softmax maximum and sum
  // BEiT's relative position bias, added to every logit: the layer's table [rows, heads]
  // for a grid_h x grid_w patch grid starts at float bias_offset of `bias`. Without one
  // (`bias` empty) the logits are q.k / sqrt(dh) alone.
  Slice bias;
  uint32_t bias_offset = 0, grid_h = 0, grid_w = 0;
};

// Where requested attention rows land: `count` query tokens (int indices in `tokens`), the
// probabilities of heads [first_head, first_head + heads) written as [heads][count][tokens]
// floats from `offset` of `target` (a read-back band may hold only some of a layer's heads).
struct AttentionRowsTarget {
  Slice tokens;
  uint32_t count = 0;
  Slice target;
  uint32_t offset = 0;
  uint32_t first_head = 0;
  uint32_t heads = 0;
};

// Rounds up to a multiple of 4: row length in floats of padded operands.
constexpr uint32_t pad4(uint32_t n) { return (n + 3u) / 4u * 4u; }

enum ActivationId : uint32_t { kActNone = 0, kActGeluErf = 1, kActGeluTanh = 2, kActQuickGelu = 3, kActRelu = 4 };
uint32_t activation_id(Activation a);

// The compute pipelines of one device, in the kernel family chosen for it, and the
// functions that record each operation. Layouts and alignment rules of the texel family
// (K, ld and offsets of X and W multiples of 4) are the graph's to respect.
class Kernels {
 public:
  // `share_x_reads` lets the texel GEMM hand rows of X between lanes by subgroup shuffles
  // where the device allows it; off, it takes the path of devices that do not (for tests).
  Kernels(std::shared_ptr<Context> ctx, KernelFamily family, bool share_x_reads = true);
  KernelFamily family() const { return family_; }
  // The weight layout this family's GEMM reads fastest (MatrixRef::interleave).
  uint32_t weight_interleave() const;

  void gemm(Recording& rec, const GemmArgs& args) const;
  void layernorm(Recording& rec, uint32_t rows, uint32_t D, const MatrixRef& x, const Slice& gamma,
                 const Slice& beta, const MatrixRef& y, float eps) const;
  // softmax(Q K^T / sqrt(dh)) V per head, fused (online softmax): memory grows with tokens,
  // not tokens squared. Leaves each row's softmax statistics in args.stats.
  void attention(Recording& rec, const AttentionArgs& args) const;
  // The probabilities of the requested rows, from the statistics attention() left.
  void attention_rows(Recording& rec, const AttentionArgs& args, const AttentionRowsTarget& rows) const;
  // SwiGLU: y = silu(gate) * value over x's [gate | value] halves of I columns each.
  void swiglu(Recording& rec, uint32_t rows, uint32_t I, const MatrixRef& x, const MatrixRef& y) const;
  // y[i] += a[i] for the first `count` floats of each slice.
  void add_in_place(Recording& rec, uint32_t count, const Slice& a, const Slice& y) const;

  // What the backward pass adds (explanations). Matrices start their slices and have row
  // stride `ld`; columns N..ld-1 of the outputs are written as zeros.
  // out[b][c][r] = in[b][r][c] for `batch` matrices of rows x cols (in: row stride in.ld,
  // batch stride in.batch); out has row stride pad4(rows) and batch stride cols * pad4(rows),
  // its padding columns zero: the K operand layout the GEMMs need for a transposed product.
  void transpose(Recording& rec, uint32_t batch, uint32_t rows, uint32_t cols, const MatrixRef& in, const Slice& out) const;
  // y = act(x) over `rows` x N values (dy empty), or y = dy * act'(x).
  void activation(Recording& rec, Activation act, uint32_t rows, uint32_t N, uint32_t ld, const Slice& x, const Slice& dy,
                  const Slice& y) const;
  // SwiGLU's backward: x is fc1's [gate | value] output (row stride ld_x), dy the gradient at
  // the SwiGLU output (ld_y); dx receives the gradient at x (ld_x).
  void swiglu_backward(Recording& rec, uint32_t rows, uint32_t I, const MatrixRef& x, const MatrixRef& dy, const Slice& dx) const;
  // dx = LayerNorm'(x)^T dy (+ residual, when given) for `rows` rows of D floats each, all
  // operands with row stride D.
  void layernorm_backward(Recording& rec, uint32_t rows, uint32_t D, const MatrixRef& x, const MatrixRef& dy, const Slice& gamma,
                          const MatrixRef* residual, const MatrixRef& dx, float eps) const;
  // dS = scale * A * (dA - rowsum(A * dA)) over [heads, tokens, tokens]; dS's rows are
  // padded to pad4(tokens) floats with zeros.
  void softmax_backward(Recording& rec, uint32_t heads, uint32_t tokens, const Slice& probs, const Slice& grad,
                        const Slice& out, float scale) const;

 private:
  std::shared_ptr<Context> ctx_;
  KernelFamily family_;
  const Pipeline& gemm_pipeline(std::vector<uint32_t> spec, const GemmArgs& args) const;
  // The pipeline of `desc`, compiled on first use (constants vary per model).
  const Pipeline& cached_pipeline(PipelineDesc desc) const;

  mutable std::mutex pipelines_mutex_;
  mutable std::map<std::pair<std::string, std::vector<uint32_t>>, std::unique_ptr<Pipeline>> pipelines_;
  std::unique_ptr<Pipeline> layernorm_, swiglu_, add_in_place_;
  uint32_t row_threads_ = 0;
  uint32_t attention_threads_ = 0;  // tiled family: query rows per attention workgroup
  uint32_t texel_rows_ = 0;  // rows of X per texel-GEMM workgroup
  bool share_x_ = false;     // texel GEMM lanes share their reads of X
  bool large_tiles_ = false;  // the device allows the tiled GEMM's large tiles
};

}  // namespace vitlens::vk
