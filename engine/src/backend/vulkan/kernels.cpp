#include "backend/vulkan/kernels.hpp"

#include <algorithm>
#include <cmath>

#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

struct GemmPush {
  uint32_t M, N, K;
  uint32_t x_offset, x_ld, x_batch;
  uint32_t w_offset, w_ld, w_batch;
  uint32_t y_offset, y_ld, y_batch;
  uint32_t r_offset, b_batch;
  float alpha;
};

struct LayerNormPush {
  uint32_t D, x_offset, x_ld, y_offset, y_ld;
  float eps;
};

struct AttentionPush {
  uint32_t tokens, ld, q_offset, k_offset, v_offset, head_stride;
  uint32_t out_offset, out_ld, out_batch, stats_offset;
  float scale;
  uint32_t bias_offset, bias_heads, grid_h, grid_w, head0;
};

struct SwigluPush {
  uint32_t rows, I, ld_x, ld_y;
};

struct AddPush {
  uint32_t count;
};

struct ActivationPush {
  uint32_t rows, N, ld;
};

struct LayerNormBackwardPush {
  uint32_t D, x_offset, dy_offset, r_offset, y_offset;
  float eps;
};

struct SoftmaxBackwardPush {
  uint32_t tokens, out_ld;
  float scale;
};

struct TransposePush {
  uint32_t rows, cols, in_offset, in_ld, in_batch, out_ld, out_batch;
};

constexpr uint32_t kTransposeTile = 16;  // transpose.comp's workgroup is a tile of this side

// Invocations per workgroup of the element-wise passes (activation, SwiGLU).
constexpr uint32_t kElementThreads = 64;

// Workgroups of add_in_place; its grid-stride loop covers larger counts.
constexpr uint32_t kAddThreads = 256, kMaxAddGroups = 4096;

// Texel family: one subgroup per workgroup, each invocation a 16 x 8 register tile (rows
// rounded up to a multiple of the subgroup when the lanes share their reads of X).
constexpr uint32_t kTexelTM = 16, kTexelTN = 8;

struct TileShape {
  uint32_t bm, bn, bk, tm, tn;
  uint32_t threads() const { return (bm / tm) * (bn / tn); }
};
constexpr TileShape kLargeTile{64, 64, 16, 4, 4};
constexpr TileShape kSmallTile{32, 32, 16, 2, 2};

// Fused attention: keys per block and query rows per invocation. On lavapipe four rows per
// lane reuse each key and value fetch four times (ViT-S/16 at 4,097 tokens: 13.3 s of
// attention with one row, 9.8 s with two, 6.5 s with four or eight; blocks of 8 keys or
// subgroup shuffles of the key reads were no faster). GPUs stage up to kTiledKeys keys (as
// shared memory allows) for 64 rows.
constexpr uint32_t kTexelKeys = 16, kTexelQueryRows = 4;
constexpr uint32_t kTiledKeys = 32, kTiledThreads = 64;

uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

KernelFamily resolve(KernelFamily family, const Context& ctx) {
  if (family != KernelFamily::Auto) return family;
  return ctx.is_cpu_implementation() && ctx.has_subgroup_shuffle() ? KernelFamily::Texel : KernelFamily::Tiled;
}

std::vector<uint32_t> tile_spec(const TileShape& t) { return {t.threads(), t.bm, t.bn, t.bk, t.tm, t.tn}; }

}  // namespace

uint32_t activation_id(Activation a) {
  switch (a) {
    case Activation::GeluErf: return kActGeluErf;
    case Activation::GeluTanh: return kActGeluTanh;
    case Activation::QuickGelu: return kActQuickGelu;
    case Activation::Relu: return kActRelu;
  }
  return kActNone;
}

Kernels::Kernels(std::shared_ptr<Context> ctx, KernelFamily family, bool share_x_reads)
    : ctx_(std::move(ctx)), family_(resolve(family, *ctx_)) {
  const auto& limits = ctx_->properties().limits;
  const uint32_t max_threads = std::min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize[0]);
  const uint32_t subgroup = ctx_->subgroup_size();
  using B = BindingKind;
  if (family_ == KernelFamily::Texel) {
    if (!ctx_->has_subgroup_shuffle())
      throw Error("Vulkan device '" + ctx_->name() + "' lacks the subgroup shuffles the texel kernels need");
    share_x_ = share_x_reads && ctx_->workgroup_is_one_subgroup_with_shuffle();
    texel_rows_ = share_x_ ? div_up(kTexelTM, subgroup) * subgroup : kTexelTM;
    row_threads_ = subgroup;
  } else {
    if (max_threads < kSmallTile.threads()) throw Error("Vulkan device '" + ctx_->name() + "' allows too few threads per workgroup");
    large_tiles_ = max_threads >= kLargeTile.threads();
    // Several subgroups per row on GPUs; a multiple of the subgroup size within the limits.
    row_threads_ = std::clamp(128u / subgroup * subgroup, subgroup, std::max(subgroup, max_threads / subgroup * subgroup));
    attention_threads_ = std::clamp(kTiledThreads / subgroup * subgroup, subgroup, std::max(subgroup, max_threads / subgroup * subgroup));
  }
  layernorm_ = std::make_unique<Pipeline>(
      ctx_, PipelineDesc{"layernorm", {B::Texel, B::Texel, B::Texel, B::Storage}, sizeof(LayerNormPush), {row_threads_}});
  swiglu_ = std::make_unique<Pipeline>(ctx_, PipelineDesc{"swiglu", std::vector<B>(3, B::Storage), sizeof(SwigluPush), {kElementThreads, 0}});
  add_in_place_ = std::make_unique<Pipeline>(ctx_, PipelineDesc{"add_in_place", {B::Storage, B::Storage}, sizeof(AddPush), {}});
}

// Lane l of the texel GEMM reads rows l, l + lanes, ...: interleaving rows by the subgroup
// size turns its per-lane gathers of W into contiguous blocks. The GPU family reads
// row-major tiles through shared memory.
uint32_t Kernels::weight_interleave() const {
  return family_ == KernelFamily::Texel ? ctx_->subgroup_size() : 0;
}

// The GEMM pipeline for the family's constants `spec` followed by the product's epilogue,
// compiled on first use: a model needs a handful (one per layer role).
const Pipeline& Kernels::gemm_pipeline(std::vector<uint32_t> spec, const GemmArgs& a) const {
  spec.insert(spec.end(), {a.activation, a.bias ? 1u : 0u, a.residual ? 1u : 0u});
  using B = BindingKind;
  PipelineDesc desc = family_ == KernelFamily::Texel
                          ? PipelineDesc{"gemm_texel", {B::Texel, B::Texel, B::Texel, B::Texel, B::Storage}, sizeof(GemmPush), {}}
                          : PipelineDesc{"gemm_tiled", std::vector<B>(5, B::Storage), sizeof(GemmPush), {}};
  desc.spec = std::move(spec);
  return cached_pipeline(std::move(desc));
}

const Pipeline& Kernels::cached_pipeline(PipelineDesc desc) const {
  const std::lock_guard lock(pipelines_mutex_);
  std::unique_ptr<Pipeline>& pipeline = pipelines_[{desc.shader, desc.spec}];
  if (!pipeline) pipeline = std::make_unique<Pipeline>(ctx_, std::move(desc));
  return *pipeline;
}

void Kernels::gemm(Recording& rec, const GemmArgs& a) const {
  const GemmPush push{a.M,        a.N,        a.K,         a.x.offset, a.x.ld,     a.x.batch,
                      a.w.offset, a.w.ld,     a.w.batch,   a.y.offset, a.y.ld,     a.y.batch,
                      a.residual_offset, a.bias_batch, a.alpha};
  rec.label_next(a.label);
  const Slice bias = a.bias ? a.bias : a.y.data;  // unused binding when specialised away
  const Slice residual = a.residual ? a.residual : a.y.data;
  if (family_ == KernelFamily::Texel) {
    if (a.K % 4 || a.x.ld % 4 || a.w.ld % 4 || a.x.offset % 4 || a.w.offset % 4 || a.x.batch % 4 || a.w.batch % 4)
      throw Error("internal: texel GEMM operands must be vec4-aligned");
    const uint32_t lanes = ctx_->subgroup_size();
    if (a.x.interleave || (a.w.interleave && (a.w.interleave != lanes || a.batch != 1)))
      throw Error("internal: texel GEMM weights must be row-major or interleaved by the subgroup size");
    // Row blocks vary fastest: lavapipe hands each thread a contiguous run of workgroups, so
    // one block of W columns stays in cache while every row block passes over it.
    const Pipeline& p = gemm_pipeline({lanes, texel_rows_, kTexelTN, a.w.interleave ? 1u : 0u, share_x_ ? 1u : 0u}, a);
    rec.dispatch(p, {a.x.data, a.w.data, bias, residual, a.y.data}, push, div_up(a.M, texel_rows_),
                 div_up(a.N, lanes * kTexelTN), a.batch);
    return;
  }
  if (a.x.interleave || a.w.interleave) throw Error("internal: tiled GEMM operands must be row-major");
  // Large tiles only when they give the device enough workgroups to stay busy.
  const TileShape& large = large_tiles_ ? kLargeTile : kSmallTile;
  const bool use_large = uint64_t{div_up(a.M, large.bm)} * div_up(a.N, large.bn) * a.batch >= 64;
  const TileShape& t = use_large ? large : kSmallTile;
  rec.dispatch(gemm_pipeline(tile_spec(t), a), {a.x.data, a.w.data, bias, residual, a.y.data}, push, div_up(a.N, t.bn),
               div_up(a.M, t.bm), a.batch);
}

void Kernels::layernorm(Recording& rec, uint32_t rows, uint32_t D, const MatrixRef& x, const Slice& gamma,
                        const Slice& beta, const MatrixRef& y, float eps) const {
  if (D % 4 || x.offset % 4 || x.ld % 4 || y.offset % 4 || y.ld % 4) throw Error("internal: layernorm rows must be vec4-aligned");
  const LayerNormPush push{D, x.offset, x.ld, y.offset, y.ld, eps};
  rec.dispatch(*layernorm_, {x.data, gamma, beta, y.data}, push, rows);
}

namespace {

AttentionPush attention_push(const AttentionArgs& a) {
  return {a.tokens,     a.qkv.ld,    a.qkv.offset, a.k_offset, a.v_offset, a.head_size,
          a.out.offset, a.out.ld,    a.head_size,  0,          1.0f / std::sqrt(static_cast<float>(a.head_size)),
          a.bias_offset, a.bias ? a.heads : 0u, a.grid_h, a.grid_w, 0};
}

// The bias binding; without a bias the statistics stand in for it, never read (bias_heads 0).
Slice bias_binding(const AttentionArgs& a) { return a.bias ? a.bias : a.stats; }

void check_attention(const AttentionArgs& a) {
  if (a.head_size % 4 || a.qkv.ld % 4 || a.qkv.offset % 4 || a.k_offset % 4 || a.v_offset % 4 || a.out.ld % 4 ||
      a.out.offset % 4)
    throw Error("internal: attention operands must be vec4-aligned");
}

}  // namespace

void Kernels::attention(Recording& rec, const AttentionArgs& a) const {
  check_attention(a);
  using B = BindingKind;
  PipelineDesc desc{"attention", {B::Texel, B::Storage, B::Storage, B::Storage}, sizeof(AttentionPush), {}};
  uint32_t rows_per_group = 0;
  if (family_ == KernelFamily::Texel) {
    desc.spec = {ctx_->subgroup_size(), a.head_size / 4, kTexelQueryRows, kTexelKeys, 0, 1};
    rows_per_group = ctx_->subgroup_size() * kTexelQueryRows;
  } else {
    // Keys and values of one block in shared memory, as many keys as the device holds.
    const uint32_t block_bytes = 2 * a.head_size * 4;
    const uint32_t keys = std::min(kTiledKeys, ctx_->properties().limits.maxComputeSharedMemorySize / block_bytes);
    if (keys == 0) throw Error("Vulkan device '" + ctx_->name() + "' has too little shared memory for attention");
    desc.spec = {attention_threads_, a.head_size / 4, 1, keys, 1, keys};
    rows_per_group = attention_threads_;
  }
  rec.label_next("attention");
  rec.dispatch(cached_pipeline(std::move(desc)), {a.qkv.data, a.out.data, a.stats, bias_binding(a)}, attention_push(a),
               div_up(a.tokens, rows_per_group), a.heads);
}

void Kernels::attention_rows(Recording& rec, const AttentionArgs& a, const AttentionRowsTarget& rows) const {
  check_attention(a);
  if (rows.count == 0) return;
  using B = BindingKind;
  const Pipeline& p = cached_pipeline(PipelineDesc{"attention_rows", {B::Texel, B::Storage, B::Storage, B::Storage, B::Storage},
                                                   sizeof(AttentionPush), {row_threads_, a.head_size / 4}});
  if (rows.first_head + rows.heads > a.heads) throw Error("internal: attention rows of heads outside the layer");
  AttentionPush push = attention_push(a);
  const uint32_t skipped_columns = rows.first_head * a.head_size;
  push.q_offset += skipped_columns;
  push.k_offset += skipped_columns;
  push.stats_offset = rows.first_head * a.tokens;
  push.out_offset = rows.offset;
  push.out_ld = a.tokens;
  push.out_batch = rows.count * a.tokens;
  push.head0 = rows.first_head;
  rec.label_next("attention_rows");
  rec.dispatch(p, {a.qkv.data, a.stats, rows.tokens, rows.target, bias_binding(a)}, push, div_up(a.tokens, row_threads_), rows.count,
               rows.heads);
}

void Kernels::swiglu(Recording& rec, uint32_t rows, uint32_t I, const MatrixRef& x, const MatrixRef& y) const {
  if (x.offset != 0 || y.offset != 0) throw Error("internal: swiglu operands must start their slices");
  rec.label_next("swiglu");
  rec.dispatch(*swiglu_, {x.data, x.data, y.data}, SwigluPush{rows, I, x.ld, y.ld}, div_up(y.ld, kElementThreads), rows);
}

void Kernels::swiglu_backward(Recording& rec, uint32_t rows, uint32_t I, const MatrixRef& x, const MatrixRef& dy, const Slice& dx) const {
  if (x.offset != 0 || dy.offset != 0) throw Error("internal: swiglu operands must start their slices");
  rec.label_next("swiglu_backward");
  rec.dispatch(cached_pipeline(PipelineDesc{"swiglu", std::vector<BindingKind>(3, BindingKind::Storage), sizeof(SwigluPush),
                                            {kElementThreads, 1}}),
               {x.data, dy.data, dx}, SwigluPush{rows, I, x.ld, dy.ld}, div_up(x.ld, kElementThreads), rows);
}

void Kernels::activation(Recording& rec, Activation act, uint32_t rows, uint32_t N, uint32_t ld, const Slice& x, const Slice& dy,
                         const Slice& y) const {
  const bool backward = static_cast<bool>(dy);
  rec.label_next(backward ? "activation_backward" : "activation");
  rec.dispatch(cached_pipeline(PipelineDesc{"activation", std::vector<BindingKind>(3, BindingKind::Storage), sizeof(ActivationPush),
                                            {kElementThreads, activation_id(act), backward ? 1u : 0u}}),
               {x, backward ? dy : x, y}, ActivationPush{rows, N, ld}, div_up(ld, kElementThreads), rows);
}

void Kernels::layernorm_backward(Recording& rec, uint32_t rows, uint32_t D, const MatrixRef& x, const MatrixRef& dy,
                                 const Slice& gamma, const MatrixRef* residual, const MatrixRef& dx, float eps) const {
  for (const MatrixRef* m : {&x, &dy, &dx, residual})
    if (m && (m->ld != D || m->offset % 4)) throw Error("internal: layernorm_backward operands must be dense vec4-aligned rows");
  const MatrixRef& r = residual ? *residual : dy;
  const LayerNormBackwardPush push{D, x.offset / 4, dy.offset / 4, r.offset / 4, dx.offset / 4, eps};
  rec.label_next("layernorm_backward");
  rec.dispatch(cached_pipeline(PipelineDesc{"layernorm_backward", std::vector<BindingKind>(5, BindingKind::Storage),
                                            sizeof(LayerNormBackwardPush), {row_threads_, residual ? 1u : 0u}}),
               {x.data, dy.data, gamma, r.data, dx.data}, push, rows);
}

void Kernels::softmax_backward(Recording& rec, uint32_t heads, uint32_t tokens, const Slice& probs, const Slice& grad,
                               const Slice& out, float scale) const {
  rec.label_next("softmax_backward");
  rec.dispatch(cached_pipeline(PipelineDesc{"softmax_backward", std::vector<BindingKind>(3, BindingKind::Storage),
                                            sizeof(SoftmaxBackwardPush), {row_threads_}}),
               {probs, grad, out}, SoftmaxBackwardPush{tokens, pad4(tokens), scale}, tokens, heads);
}

void Kernels::transpose(Recording& rec, uint32_t batch, uint32_t rows, uint32_t cols, const MatrixRef& in, const Slice& out) const {
  const uint32_t out_ld = pad4(rows);
  rec.label_next("transpose");
  rec.dispatch(cached_pipeline(PipelineDesc{"transpose", {BindingKind::Storage, BindingKind::Storage}, sizeof(TransposePush), {}}),
               {in.data, out}, TransposePush{rows, cols, in.offset, in.ld, in.batch, out_ld, cols * out_ld},
               div_up(out_ld, kTransposeTile), div_up(cols, kTransposeTile), batch);
}

void Kernels::add_in_place(Recording& rec, uint32_t count, const Slice& a, const Slice& y) const {
  rec.dispatch(*add_in_place_, {a, y}, AddPush{count}, std::min(div_up(count, kAddThreads), kMaxAddGroups));
}

}  // namespace vitlens::vk
