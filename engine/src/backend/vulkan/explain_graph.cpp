#include "backend/vulkan/explain_graph.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "backend/host/heads.hpp"
#include "backend/host/patches.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

// The explanation holds two [layers, heads, tokens, tokens] tensors on the host; the CPU
// reference refuses the same sizes.
constexpr uint64_t kMaxAttentionValues = uint64_t{1} << 30;

Tensor read_tensor(const Slice& slice, std::vector<int64_t> shape) {
  Tensor t(std::move(shape));
  std::copy_n(slice.host(), t.data.size(), t.data.begin());
  return t;
}

}  // namespace

ExplainGraph::ExplainGraph(std::shared_ptr<Context> ctx, const Kernels& kernels, const DeviceWeights& weights,
                           const DeviceGradientWeights& transposed, const Model& model, int grid_h, int grid_w,
                           VkDeviceSize max_binding_bytes)
    : ctx_(std::move(ctx)),
      kernels_(kernels),
      weights_(weights),
      transposed_(transposed),
      model_(model),
      forward_(ctx_, kernels, weights, model, grid_h, grid_w, AttentionRequest::none(), false, max_binding_bytes, true),
      trace_(forward_.trace()),
      d_(forward_.dims()),
      layers_(static_cast<uint32_t>(weights.layers.size())) {
  const uint64_t values = 2ull * layers_ * d_.heads * d_.tokens * d_.tokens;
  if (values > kMaxAttentionValues)
    throw Error("explaining " + std::to_string(d_.tokens) + " tokens needs " + std::to_string(values * 4 >> 20) +
                " MiB of attention and attention gradients (the limit is " + std::to_string(kMaxAttentionValues * 4 >> 20) +
                " MiB); use a smaller --size");
  plan_buffers();
  record();
}

void ExplainGraph::plan_buffers() {
  const auto T = size_t{d_.tokens};
  const auto D = size_t{d_.D};
  const size_t probs = size_t{d_.heads} * T * T;
  id_.hidden_grad = upload_.reserve_floats(T * D);
  id_.grad = device_.reserve_floats(T * D);
  id_.other = device_.reserve_floats(T * D);
  id_.ln = device_.reserve_floats(T * D);
  id_.ctx = device_.reserve_floats(T * D);
  id_.mlp = device_.reserve_floats(T * d_.mlp);
  id_.fc1 = device_.reserve_floats(T * d_.fc1);
  id_.qkv = device_.reserve_floats(T * 3 * D);
  id_.probs_grad = device_.reserve_floats(probs);
  const size_t padded = size_t{d_.heads} * T * pad4(d_.tokens);
  id_.logits_grad = device_.reserve_floats(padded);
  id_.tokens_t = device_.reserve_floats(padded);
  id_.columns_t = device_.reserve_floats(D * pad4(d_.tokens));
  id_.attention = readback_.reserve_floats(layers_ * probs);
  id_.attention_grad = readback_.reserve_floats(layers_ * probs);
  id_.norm1 = readback_.reserve_floats(T * D);
  id_.norm1_grad = readback_.reserve_floats(T * D);
  id_.patch_grad = readback_.reserve_floats(size_t{d_.patches} * d_.k_patch);
  device_.allocate(ctx_, MemoryUse::Device);
  readback_.allocate(ctx_, MemoryUse::Readback);
  upload_.allocate(ctx_, MemoryUse::Upload);
}

void ExplainGraph::record_linear_backward(const DeviceLinear& transposed, uint32_t rows, const MatrixRef& dy, const MatrixRef& dx,
                                          const char* label) {
  GemmArgs g;
  g.M = rows;
  g.N = transposed.out;
  g.K = transposed.in_padded;
  g.x = dy;
  g.w = transposed.matrix();
  g.y = dx;
  g.label = label;
  kernels_.gemm(*recording_, g);
}

void ExplainGraph::record_norm_backward(const MatrixRef& x, const MatrixRef& dy, const DeviceLayerNorm& norm,
                                        const MatrixRef* residual, const MatrixRef& dx) {
  kernels_.layernorm_backward(*recording_, d_.tokens, d_.D, x, dy, norm.gamma, residual, dx,
                              static_cast<float>(model_.config.layer_norm_eps));
}

// The gradient lives in `grad` between layers; `other` holds it between the layer's two
// residual branches.
void ExplainGraph::record() {
  recording_ = std::make_unique<Recording>(ctx_, false);
  Recording& rec = *recording_;
  Slice grad = device_[id_.grad], other = device_[id_.other];
  rec.copy(upload_[id_.hidden_grad], grad);
  if (weights_.final_norm.gamma) {
    record_norm_backward({trace_.inputs.back(), 0, d_.D}, {grad, 0, d_.D}, weights_.final_norm, nullptr, {other, 0, d_.D});
    std::swap(grad, other);
  }
  for (size_t l = layers_; l-- > 0;) record_layer(l, grad, other);
  if (weights_.pre_norm.gamma) {
    record_norm_backward({trace_.embedded, 0, d_.D}, {grad, 0, d_.D}, weights_.pre_norm, nullptr, {other, 0, d_.D});
    std::swap(grad, other);
  }
  const uint32_t prefix = static_cast<uint32_t>(model_.config.num_prefix_tokens);
  record_linear_backward(transposed_.patch_embed, d_.patches, {grad, prefix * d_.D, d_.D}, {readback_[id_.patch_grad], 0, d_.k_patch},
                         "patch_embed_backward");
  rec.finish();
}

// From the gradient at layer `index`'s output (in `grad`) to the gradient at its input (in
// `grad` again), through out = mid + MLP(norm2(mid)) and mid = x + attention(norm1(x)).
// YOLOS's mid-position tables are constants: the gradient passes them unchanged.
void ExplainGraph::record_layer(size_t index, const Slice& grad, const Slice& mid_grad) {
  Recording& rec = *recording_;
  const DeviceLayer& L = weights_.layers[index];
  const DeviceGradientWeights::Layer& t = transposed_.layers[index];
  const MatrixRef g{grad, 0, d_.D}, mid{mid_grad, 0, d_.D}, ln{device_[id_.ln], 0, d_.D};
  const MatrixRef d_mlp{device_[id_.mlp], 0, d_.mlp}, d_fc1{device_[id_.fc1], 0, d_.fc1};

  record_linear_backward(t.fc2, d_.tokens, g, d_mlp, "fc2_backward");
  const MatrixRef fc1_out{trace_.fc1[index], 0, d_.fc1};
  if (model_.config.mlp == MlpKind::SwiGlu)
    kernels_.swiglu_backward(rec, d_.tokens, static_cast<uint32_t>(model_.config.mlp_size), fc1_out, d_mlp, d_fc1.data);
  else
    kernels_.activation(rec, model_.config.activation, d_.tokens, L.fc1.out, d_.fc1, fc1_out.data, d_mlp.data, d_fc1.data);
  record_linear_backward(t.fc1, d_.tokens, d_fc1, ln, "fc1_backward");
  record_norm_backward({trace_.mids[index], 0, d_.D}, ln, L.norm2, &g, mid);

  record_linear_backward(t.proj, d_.tokens, mid, {device_[id_.ctx], 0, d_.D}, "proj_backward");
  record_attention(index);
  record_linear_backward(t.qkv, d_.tokens, {device_[id_.qkv], 0, 3 * d_.D}, ln, "qkv_backward");
  if (index + 1 == layers_) {
    // Grad-CAM's target layer: the last block's first LayerNorm, its output and gradient.
    kernels_.layernorm(rec, d_.tokens, d_.D, {trace_.inputs[index], 0, d_.D}, L.norm1.gamma, L.norm1.beta,
                       {readback_[id_.norm1], 0, d_.D}, static_cast<float>(model_.config.layer_norm_eps));
    rec.copy(ln.data.sub(0, size_t{d_.tokens} * d_.D), readback_[id_.norm1_grad]);
  }
  record_norm_backward({trace_.inputs[index], 0, d_.D}, ln, L.norm1, &mid, g);
}

// From dC, the gradient at the heads' outputs (id_.ctx), to the gradient at Q, K and V
// (id_.qkv), per head h with A = softmax(S), S = Q K^T / sqrt(dh) (+ bias), C = A V:
// dA = dC V^T, dS = A * (dA - rowsum(A * dA)) / sqrt(dh), dQ = dS K, dK = dS^T Q, dV = A^T dC.
// Every product runs on the family's GEMM (Y = X W^T, K contiguous in both): the operands
// that the formulas use transposed are transposed first, with the token axis padded to a
// multiple of 4. The layer's A and dA are copied out for the explanation on the way.
void ExplainGraph::record_attention(size_t index) {
  Recording& rec = *recording_;
  const uint32_t T = d_.tokens, T4 = pad4(d_.tokens), D = d_.D, dh = d_.dh;
  const size_t layer_floats = size_t{d_.heads} * T * T;
  const Slice probs = trace_.probs[index], probs_grad = device_[id_.probs_grad], logits_grad = device_[id_.logits_grad];
  const Slice ctx = device_[id_.ctx], qkv_grad = device_[id_.qkv], qkv = trace_.qkv[index];
  const Slice tokens_t = device_[id_.tokens_t], columns_t = device_[id_.columns_t];
  const auto product = [&](uint32_t N, uint32_t K, MatrixRef x, MatrixRef w, MatrixRef y, const char* label) {
    GemmArgs g;
    g.M = T;
    g.N = N;
    g.K = K;
    g.batch = d_.heads;
    g.x = x;
    g.w = w;
    g.y = y;
    g.label = label;
    kernels_.gemm(rec, g);
  };
  // A head's [T, dh] columns of a [T, row] matrix, transposed into columns_t [heads][dh][T4].
  const auto transpose_columns = [&](const Slice& m, uint32_t offset, uint32_t row) {
    kernels_.transpose(rec, d_.heads, T, dh, {m, offset, row, dh}, columns_t);
  };
  const MatrixRef columns_w{columns_t, 0, T4, dh * T4};
  const MatrixRef tokens_x{tokens_t, 0, T4, T * T4};

  product(T, dh, {ctx, 0, D, dh}, {qkv, 2 * D, 3 * D, dh}, {probs_grad, 0, T, T * T}, "attention_dA");
  rec.copy(probs_grad, readback_[id_.attention_grad].sub(index * layer_floats, layer_floats));
  rec.copy(probs, readback_[id_.attention].sub(index * layer_floats, layer_floats));
  kernels_.softmax_backward(rec, d_.heads, T, probs, probs_grad, logits_grad, 1.0f / std::sqrt(static_cast<float>(dh)));

  transpose_columns(qkv, D, 3 * D);  // K^T
  product(dh, T4, {logits_grad, 0, T4, T * T4}, columns_w, {qkv_grad, 0, 3 * D, dh}, "attention_dQ");
  kernels_.transpose(rec, d_.heads, T, T, {logits_grad, 0, T4, T * T4}, tokens_t);  // dS^T
  transpose_columns(qkv, 0, 3 * D);  // Q^T
  product(dh, T4, tokens_x, columns_w, {qkv_grad, D, 3 * D, dh}, "attention_dK");
  kernels_.transpose(rec, d_.heads, T, T, {probs, 0, T, T * T}, tokens_t);  // A^T
  transpose_columns(ctx, 0, D);  // dC^T
  product(dh, T4, tokens_x, columns_w, {qkv_grad, 2 * D, 3 * D, dh}, "attention_dV");
}

Tensor ExplainGraph::pixel_gradient(const Tensor& pixels) const {
  Tensor grad(pixels.shape);
  cpu::scatter_patches(readback_[id_.patch_grad].host(), d_.k_patch, model_.config.patch_size, grad);
  return grad;
}

Explanation ExplainGraph::run(const Tensor& pixels, const LogitTarget& target) {
  Explanation e;
  e.output = forward_.run(pixels);
  e.target = target;
  const cpu::Matrix grad = cpu::head_gradient(model_, e.output, e.target);
  float* upload = upload_[id_.hidden_grad].host();
  for (size_t i = 0; i < grad.data.size(); ++i) upload[i] = static_cast<float>(grad.data[i]);
  const auto start = std::chrono::steady_clock::now();
  recording_->submit();
  e.output.time_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  const auto L = int64_t{layers_}, H = int64_t{d_.heads}, T = int64_t{d_.tokens}, D = int64_t{d_.D};
  e.attention = read_tensor(readback_[id_.attention], {L, H, T, T});
  e.attention_grad = read_tensor(readback_[id_.attention_grad], {L, H, T, T});
  e.last_norm1 = read_tensor(readback_[id_.norm1], {T, D});
  e.last_norm1_grad = read_tensor(readback_[id_.norm1_grad], {T, D});
  e.pixel_grad = pixel_gradient(pixels);
  return e;
}

}  // namespace vitlens::vk
