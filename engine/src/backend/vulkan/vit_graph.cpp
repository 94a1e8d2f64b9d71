#include "backend/vulkan/vit_graph.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backend/host/heads.hpp"
#include "backend/host/patches.hpp"
#include "model/relative_position_bias.hpp"
#include "vitlens/model/position_embedding.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

std::vector<int> attention_rows(const AttentionRequest& request, uint32_t tokens) {
  std::vector<int> rows;
  if (request.rows == AttentionRequest::Rows::All) {
    for (uint32_t t = 0; t < tokens; ++t) rows.push_back(static_cast<int>(t));
  } else if (request.rows == AttentionRequest::Rows::Selected) {
    for (int t : request.query_tokens) {
      if (t < 0 || t >= static_cast<int>(tokens))
        throw Error("attention query token " + std::to_string(t) + " is outside the " + std::to_string(tokens) +
                    " tokens of this input");
      rows.push_back(t);
    }
  }
  return rows;
}

}  // namespace

GraphDims::GraphDims(const Model& model, const DeviceWeights& weights, int grid_h, int grid_w) {
  const VitConfig& c = model.config;
  gh = static_cast<uint32_t>(grid_h);
  gw = static_cast<uint32_t>(grid_w);
  prefix = static_cast<uint32_t>(c.num_prefix_tokens);
  patches = gh * gw;
  suffix = static_cast<uint32_t>(c.num_detection_tokens);
  tokens = prefix + patches + suffix;
  D = static_cast<uint32_t>(c.hidden_size);
  heads = static_cast<uint32_t>(c.num_heads);
  dh = D / heads;
  mlp = pad4(static_cast<uint32_t>(c.mlp_size));
  fc1 = c.mlp == MlpKind::SwiGlu ? pad4(2 * static_cast<uint32_t>(c.mlp_size)) : mlp;
  k_patch = weights.patch_embed.in_padded;
}

VitGraph::VitGraph(std::shared_ptr<Context> ctx, const Kernels& kernels, const DeviceWeights& weights,
                   const Model& model, int grid_h, int grid_w, const AttentionRequest& attention, bool profile,
                   VkDeviceSize max_binding_bytes, bool traced)
    : ctx_(std::move(ctx)), kernels_(kernels), weights_(weights), model_(model), d_(model, weights, grid_h, grid_w), traced_(traced) {
  if (d_.D % 4 || d_.dh % 4)
    throw Error("the Vulkan engine needs hidden and head sizes that are multiples of 4 (this model: " +
                std::to_string(d_.D) + " and " + std::to_string(d_.dh) + "); use --device cpu");
  queries_ = attention_rows(attention, d_.tokens);
  want_attention_ = !queries_.empty();
  streamed_ = want_attention_ && attention.per_layer;
  if (traced_ && want_attention_) throw Error("internal: a traced graph keeps every attention row itself");

  if (want_attention_) {
    // The fused pass needs no scores buffer; only the requested rows' read-back is split,
    // each write covering as many heads as fit one band.
    const auto layers = static_cast<uint32_t>(weights_.layers.size());
    attention_ = std::make_unique<AttentionReadback>(ctx_, streamed_ ? 1 : layers, d_.heads, queries_.size() * size_t{d_.tokens},
                                                     d_.heads, max_binding_bytes);
  }

  plan_layers(max_binding_bytes);
  plan_buffers();
  upload_constants();
  record(profile);
}

size_t VitGraph::bias_table_floats() const {
  if (!model_.config.relative_position_bias) return 0;
  return static_cast<size_t>(relative_position_rows(static_cast<int>(d_.gh), static_cast<int>(d_.gw))) * d_.heads;
}

void VitGraph::plan_buffers() {
  const auto T = size_t{d_.tokens};
  const auto D = size_t{d_.D};
  id_.input = upload_.reserve_floats(size_t{d_.patches} * d_.k_patch);
  id_.patches = device_.reserve_floats(size_t{d_.patches} * d_.k_patch);
  id_.init = device_.reserve_floats(T * D);
  id_.ln = device_.reserve_floats(T * D);
  id_.stats = device_.reserve_floats(2 * size_t{d_.heads} * T);
  id_.attn = device_.reserve_floats(T * D);
  id_.glu = device_.reserve_floats(model_.config.mlp == MlpKind::SwiGlu ? T * d_.mlp : 4);
  id_.query_tokens = device_.reserve_floats(std::max<size_t>(queries_.size(), 1));
  id_.mid = device_.reserve_floats(std::max<size_t>(model_.weights.mid_pos_embed.size() * T * D, 4));
  id_.det_a = device_.reserve_floats(std::max<size_t>(size_t{d_.suffix} * D, 4));
  id_.det_b = device_.reserve_floats(std::max<size_t>(size_t{d_.suffix} * D, 4));
  id_.det_logits = readback_.reserve_floats(std::max<size_t>(size_t{d_.suffix} * (model_.config.num_classes + 1), 4));
  id_.det_boxes = readback_.reserve_floats(std::max<size_t>(size_t{d_.suffix} * 4, 4));
  id_.hidden = readback_.reserve_floats(T * D);
  id_.probe_kv = readback_.reserve_floats(model_.weights.probe ? T * 2 * D : 4);
  id_.bias = device_.reserve_floats(std::max<size_t>(bias_table_floats() * weights_.layers.size(), 4));
  device_.allocate(ctx_, MemoryUse::Device);
  readback_.allocate(ctx_, MemoryUse::Readback);
  upload_.allocate(ctx_, MemoryUse::Upload);
  if (!traced_) return;
  trace_.embedded = device_[id_.embedded];
  for (Arena::Id id : input_ids_) trace_.inputs.push_back(device_[id]);
  for (const LayerIds& ids : layer_ids_) {
    trace_.qkv.push_back(device_[ids.qkv]);
    trace_.probs.push_back(device_[ids.probs]);
    trace_.mids.push_back(device_[ids.mid]);
    trace_.fc1.push_back(device_[ids.fc1]);
  }
}

// The residual stream's buffers: one, updated in place, or (traced) a buffer per step.
void VitGraph::plan_layers(VkDeviceSize max_binding_bytes) {
  const auto T = size_t{d_.tokens};
  const auto D = size_t{d_.D};
  const size_t layers = weights_.layers.size();
  id_.x = device_.reserve_floats(T * D);
  id_.qkv = device_.reserve_floats(T * 3 * D);
  id_.mlp = device_.reserve_floats(T * d_.fc1);
  input_ids_.assign(layers + 1, id_.x);
  layer_ids_.assign(layers, LayerIds{id_.qkv, id_.x, id_.x, id_.mlp});
  id_.embedded = id_.x;
  id_.all_tokens = id_.x;
  if (!traced_) return;
  const size_t probs = size_t{d_.heads} * T * T;
  if (probs * sizeof(float) > max_binding_bytes)
    throw Error("explaining " + std::to_string(T) + " tokens needs " + std::to_string(probs * sizeof(float) >> 20) +
                " MiB of attention per layer in one buffer, more than this device binds (" +
                std::to_string(max_binding_bytes >> 20) + " MiB); use a smaller --size or --device cpu");
  for (size_t l = 1; l <= layers; ++l) input_ids_[l] = device_.reserve_floats(T * D);
  for (LayerIds& ids : layer_ids_)
    ids = {device_.reserve_floats(T * 3 * D), device_.reserve_floats(probs), device_.reserve_floats(T * D),
           device_.reserve_floats(T * d_.fc1)};
  if (weights_.pre_norm.gamma) id_.embedded = device_.reserve_floats(T * D);
  id_.all_tokens = device_.reserve_floats(T);
}

// The token table before the encoder: prefix and suffix tokens plus their position rows
// (CLS and distillation only when the table has them, registers never), and the position
// rows of the patches, interpolated to this grid. The patch-embedding GEMM adds its product onto the patch rows.
// YOLOS's mid-position tables are interpolated the same way, one [tokens, D] block per layer.
void VitGraph::upload_constants() {
  const VitConfig& c = model_.config;
  const VitWeights& w = model_.weights;
  const auto table_prefix = static_cast<size_t>(c.positioned_prefix_tokens());
  const size_t first_suffix = size_t{d_.prefix} + d_.patches;
  const auto interpolated = [&](const Tensor& table) {
    return interpolate_pos_embed(table, static_cast<int>(table_prefix), static_cast<int>(d_.suffix), c.grid_height(),
                                 c.grid_width(), static_cast<int>(d_.gh), static_cast<int>(d_.gw), c.position_resample);
  };
  const Tensor pos = interpolated(w.pos_embed);
  std::vector<float> init(size_t{d_.tokens} * d_.D, 0.0f);
  const auto prefix_rows = static_cast<std::ptrdiff_t>(table_prefix * d_.D);
  std::copy(pos.data.begin(), pos.data.begin() + prefix_rows, init.begin());
  std::copy(pos.data.begin() + prefix_rows, pos.data.end(), init.begin() + d_.prefix * d_.D);
  for (size_t i = 0; i < w.prefix_tokens.data.size(); ++i) init[i] += w.prefix_tokens.data[i];
  for (size_t i = 0; i < w.suffix_tokens.data.size(); ++i) init[first_suffix * d_.D + i] += w.suffix_tokens.data[i];

  std::vector<float> mid;
  for (const Tensor& table : w.mid_pos_embed) {
    const Tensor layer = interpolated(table);
    mid.insert(mid.end(), layer.data.begin(), layer.data.end());
  }

  std::vector<int32_t> query_tokens(queries_.begin(), queries_.end());
  query_tokens.resize(std::max<size_t>(query_tokens.size(), 1), 0);

  std::vector<float> bias;
  if (model_.config.relative_position_bias)
    for (const EncoderLayerWeights& layer : w.layers) {
      const Tensor table = relative_position_table(layer.relative_position_bias, c, static_cast<int>(d_.gh), static_cast<int>(d_.gw));
      bias.insert(bias.end(), table.data.begin(), table.data.end());
    }

  Uploader uploader(ctx_, device_.buffer());
  uploader.write(device_[id_.init], init.data(), init.size() * sizeof(float));
  uploader.write(device_[id_.query_tokens], query_tokens.data(), query_tokens.size() * sizeof(int32_t));
  if (!mid.empty()) uploader.write(device_[id_.mid], mid.data(), mid.size() * sizeof(float));
  if (!bias.empty()) uploader.write(device_[id_.bias], bias.data(), bias.size() * sizeof(float));
  if (traced_) {
    std::vector<int32_t> all(d_.tokens);
    for (uint32_t t = 0; t < d_.tokens; ++t) all[t] = static_cast<int32_t>(t);
    uploader.write(device_[id_.all_tokens], all.data(), all.size() * sizeof(int32_t));
  }
  uploader.flush();
}

void VitGraph::record(bool profile) {
  recording_ = std::make_unique<Recording>(ctx_, profile);
  Recording& rec = *recording_;
  rec.copy(upload_[id_.input], device_[id_.patches]);

  GemmArgs embed;
  embed.M = d_.patches;
  embed.N = d_.D;
  embed.K = d_.k_patch;
  embed.x = {device_[id_.patches], 0, d_.k_patch};
  embed.w = weights_.patch_embed.matrix();
  embed.y = {device_[id_.embedded], d_.prefix * d_.D, d_.D};
  embed.bias = weights_.patch_embed.bias;
  embed.residual = device_[id_.init];
  embed.residual_offset = d_.prefix * d_.D;
  embed.label = "patch_embed";
  kernels_.gemm(rec, embed);
  rec.copy(device_[id_.init].sub(0, size_t{d_.prefix} * d_.D), device_[id_.embedded].sub(0, size_t{d_.prefix} * d_.D));
  if (d_.suffix) {
    const size_t first_suffix = (size_t{d_.prefix} + d_.patches) * d_.D;
    rec.copy(device_[id_.init].sub(first_suffix, size_t{d_.suffix} * d_.D), device_[id_.embedded].sub(first_suffix, size_t{d_.suffix} * d_.D));
  }
  record_pre_norm();

  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    record_layer(l);
    if (streamed_ && l + 1 < weights_.layers.size()) rec.end_segment();
  }

  const Slice hidden = readback_[id_.hidden];
  const Slice encoded = device_[input_ids_.back()];
  if (weights_.final_norm.gamma)
    kernels_.layernorm(rec, d_.tokens, d_.D, {encoded, 0, d_.D}, weights_.final_norm.gamma, weights_.final_norm.beta, {hidden, 0, d_.D},
                       static_cast<float>(model_.config.layer_norm_eps));
  else
    rec.copy(encoded, hidden);
  record_probe_kv();
  record_detection();
  rec.finish();
}

void VitGraph::record_layer(size_t index) {
  Recording& rec = *recording_;
  const DeviceLayer& L = weights_.layers[index];
  const float eps = static_cast<float>(model_.config.layer_norm_eps);
  const MatrixRef x{device_[input_ids_[index]], 0, d_.D};
  const MatrixRef ln{device_[id_.ln], 0, d_.D};

  kernels_.layernorm(rec, d_.tokens, d_.D, x, L.norm1.gamma, L.norm1.beta, ln, eps);
  GemmArgs qkv;
  qkv.M = d_.tokens;
  qkv.N = 3 * d_.D;
  qkv.K = d_.D;
  qkv.x = ln;
  qkv.w = L.qkv.matrix();
  qkv.y = {device_[layer_ids_[index].qkv], 0, 3 * d_.D};
  qkv.bias = L.qkv.bias;
  qkv.label = "qkv";
  kernels_.gemm(rec, qkv);
  record_attention(index);

  GemmArgs proj;
  proj.M = d_.tokens;
  proj.N = d_.D;
  proj.K = d_.D;
  proj.x = {device_[id_.attn], 0, d_.D};
  proj.w = L.proj.matrix();
  proj.y = {device_[layer_ids_[index].mid], 0, d_.D};
  proj.bias = L.proj.bias;
  proj.residual = x.data;
  proj.label = "proj";
  kernels_.gemm(rec, proj);

  record_mlp_block(index);

  if (index < model_.weights.mid_pos_embed.size()) {
    const size_t table = size_t{d_.tokens} * d_.D;
    kernels_.add_in_place(rec, d_.tokens * d_.D, device_[id_.mid].sub(index * table, table), device_[input_ids_[index + 1]]);
  }
}

// out = mid + fc2(act(fc1(norm2(mid)))), or with SwiGLU between fc1 and fc2. Traced, fc1's
// output is kept before the activation, which then runs as a pass of its own.
void VitGraph::record_mlp_block(size_t index) {
  Recording& rec = *recording_;
  const DeviceLayer& L = weights_.layers[index];
  const MatrixRef mid{device_[layer_ids_[index].mid], 0, d_.D};
  const MatrixRef ln{device_[id_.ln], 0, d_.D};
  const bool swiglu = model_.config.mlp == MlpKind::SwiGlu;
  kernels_.layernorm(rec, d_.tokens, d_.D, mid, L.norm2.gamma, L.norm2.beta, ln, static_cast<float>(model_.config.layer_norm_eps));
  GemmArgs fc1;
  fc1.M = d_.tokens;
  fc1.N = L.fc1.out;
  fc1.K = d_.D;
  fc1.x = ln;
  fc1.w = L.fc1.matrix();
  fc1.y = {device_[layer_ids_[index].fc1], 0, d_.fc1};
  fc1.bias = L.fc1.bias;
  fc1.activation = swiglu || traced_ ? kActNone : activation_id(model_.config.activation);
  fc1.label = "fc1";
  kernels_.gemm(rec, fc1);
  MatrixRef hidden = fc1.y;
  if (swiglu) {
    hidden = {device_[id_.glu], 0, d_.mlp};
    kernels_.swiglu(rec, d_.tokens, static_cast<uint32_t>(model_.config.mlp_size), fc1.y, hidden);
  } else if (traced_) {
    hidden = {device_[id_.mlp], 0, d_.mlp};
    kernels_.activation(rec, model_.config.activation, d_.tokens, L.fc1.out, d_.mlp, fc1.y.data, {}, hidden.data);
  }

  GemmArgs fc2;
  fc2.M = d_.tokens;
  fc2.N = d_.D;
  fc2.K = d_.mlp;
  fc2.x = hidden;
  fc2.w = L.fc2.matrix();
  fc2.y = {device_[input_ids_[index + 1]], 0, d_.D};
  fc2.bias = L.fc2.bias;
  fc2.residual = mid.data;
  fc2.label = "fc2";
  kernels_.gemm(rec, fc2);
}

// CLIP normalises the embedded tokens before the first block.
void VitGraph::record_pre_norm() {
  if (!weights_.pre_norm.gamma) return;
  const MatrixRef ln{device_[id_.ln], 0, d_.D};
  kernels_.layernorm(*recording_, d_.tokens, d_.D, {device_[id_.embedded], 0, d_.D}, weights_.pre_norm.gamma, weights_.pre_norm.beta,
                     ln, static_cast<float>(model_.config.layer_norm_eps));
  recording_->copy(device_[id_.ln].sub(0, size_t{d_.tokens} * d_.D), device_[input_ids_[0]].sub(0, size_t{d_.tokens} * d_.D));
}

// softmax(Q K^T / sqrt(dh)) V of all heads in one fused pass; requested rows' probabilities
// come from a second pass over the statistics it leaves, into this layer's block of the
// attention output ([layer][head][query][token]).
void VitGraph::record_attention(size_t index) {
  AttentionArgs args;
  args.tokens = d_.tokens;
  args.heads = d_.heads;
  args.head_size = d_.dh;
  args.qkv = {device_[layer_ids_[index].qkv], 0, 3 * d_.D};
  args.k_offset = d_.D;
  args.v_offset = 2 * d_.D;
  args.out = {device_[id_.attn], 0, d_.D};
  args.stats = device_[id_.stats];
  if (model_.config.relative_position_bias) {
    args.bias = device_[id_.bias];
    args.bias_offset = static_cast<uint32_t>(index * bias_table_floats());
    args.grid_h = d_.gh;
    args.grid_w = d_.gw;
  }
  kernels_.attention(*recording_, args);
  if (traced_)
    kernels_.attention_rows(*recording_, args, {device_[id_.all_tokens], d_.tokens, device_[layer_ids_[index].probs], 0, 0, d_.heads});
  if (!want_attention_) return;
  const auto Q = static_cast<uint32_t>(queries_.size());
  const uint32_t per_write = attention_->heads_per_write();
  for (uint32_t h0 = 0; h0 < d_.heads; h0 += per_write) {
    const AttentionReadback::Target out = attention_->target(static_cast<uint32_t>(index), h0);
    const AttentionRowsTarget rows{device_[id_.query_tokens], Q, out.slice, out.offset, h0, std::min(per_write, d_.heads - h0)};
    kernels_.attention_rows(*recording_, args, rows);
  }
}

// SigLIP's probe head attends over every token: its keys and values are a [tokens, 2D] GEMM
// on the final hidden state, read back for the host part of the head.
void VitGraph::record_probe_kv() {
  if (!model_.weights.probe) return;
  GemmArgs g;
  g.M = d_.tokens;
  g.N = 2 * d_.D;
  g.K = d_.D;
  g.x = {readback_[id_.hidden], 0, d_.D};
  g.w = weights_.probe_kv.matrix();
  g.y = {readback_[id_.probe_kv], 0, 2 * d_.D};
  g.bias = weights_.probe_kv.bias;
  g.label = "probe_kv";
  kernels_.gemm(*recording_, g);
}

// YOLOS: the class and box MLPs on the detection tokens, the last d_.suffix rows of the
// normalised hidden state. The box sigmoid is applied on the host.
void VitGraph::record_detection() {
  if (weights_.class_mlp.empty()) return;
  record_mlp(weights_.class_mlp, readback_[id_.det_logits]);
  record_mlp(weights_.box_mlp, readback_[id_.det_boxes]);
}

void VitGraph::record_mlp(const std::vector<DeviceLinear>& layers, const Slice& out) {
  const Slice buffers[2] = {device_[id_.det_a], device_[id_.det_b]};
  MatrixRef x{readback_[id_.hidden], (d_.prefix + d_.patches) * d_.D, d_.D};
  for (size_t i = 0; i < layers.size(); ++i) {
    const bool last = i + 1 == layers.size();
    GemmArgs g;
    g.M = d_.suffix;
    g.N = layers[i].out;
    g.K = d_.D;
    g.x = x;
    g.w = layers[i].matrix();
    g.y = last ? MatrixRef{out, 0, layers[i].out} : MatrixRef{buffers[i % 2], 0, d_.D};
    g.bias = layers[i].bias;
    g.activation = last ? kActNone : kActRelu;
    g.label = "detection_head";
    kernels_.gemm(*recording_, g);
    x = g.y;
  }
}

// The detection heads' outputs; boxes through the sigmoid, as transformers applies it.
void VitGraph::read_detection(ForwardOutput& out) const {
  const auto S = int64_t{d_.suffix}, columns = int64_t{model_.config.num_classes} + 1;
  const float* logits = readback_[id_.det_logits].host();
  out.detection_logits = Tensor({S, columns}, std::vector<float>(logits, logits + S * columns));
  const float* boxes = readback_[id_.det_boxes].host();
  out.detection_boxes = Tensor({S, 4});
  for (int64_t i = 0; i < S * 4; ++i) out.detection_boxes.data[i] = 1.0f / (1.0f + std::exp(-boxes[i]));
}

// im2col into the upload buffer, one padded row per patch.
void VitGraph::write_patches(const Tensor& pixels) {
  cpu::gather_patches(pixels, model_.config.patch_size, upload_[id_.input].host(), d_.k_patch);
}

// Submits the recording; a streamed graph hands each layer's rows to `per_layer` between
// its segments. Returns the device time in milliseconds, the hand-overs excluded.
double VitGraph::submit(ForwardOutput& out, const LayerAttentionConsumer& per_layer) {
  if (streamed_ && !per_layer) throw Error("internal: a streamed graph run without a consumer");
  using Clock = std::chrono::steady_clock;
  double ms = 0;
  Tensor rows;
  if (streamed_) rows = Tensor({int64_t{d_.heads}, static_cast<int64_t>(queries_.size()), int64_t{d_.tokens}});
  for (size_t i = 0; i < recording_->segment_count(); ++i) {
    const auto start = Clock::now();
    recording_->submit_segment(i);
    ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!streamed_) continue;
    attention_->read_layer(static_cast<uint32_t>(i), rows.ptr());
    per_layer(static_cast<int>(i), rows);
  }
  out.op_times_ms = recording_->op_times();
  return ms;
}

void VitGraph::read_attention(ForwardOutput& out) const {
  const auto L = static_cast<uint32_t>(weights_.layers.size());
  out.attention = Tensor({int64_t{L}, int64_t{d_.heads}, static_cast<int64_t>(queries_.size()), int64_t{d_.tokens}});
  const size_t layer_floats = size_t{d_.heads} * queries_.size() * d_.tokens;
  for (uint32_t l = 0; l < L; ++l) attention_->read_layer(l, out.attention.ptr() + l * layer_floats);
}

ForwardOutput VitGraph::run(const Tensor& pixels, const LayerAttentionConsumer& per_layer) {
  write_patches(pixels);
  ForwardOutput out;
  out.time_ms = submit(out, per_layer);

  if (!weights_.class_mlp.empty()) read_detection(out);
  const float* hidden = readback_[id_.hidden].host();
  out.hidden_state = Tensor({int64_t{d_.tokens}, int64_t{d_.D}}, std::vector<float>(hidden, hidden + size_t{d_.tokens} * d_.D));
  Tensor probe_kv;
  if (model_.weights.probe) {
    const float* kv = readback_[id_.probe_kv].host();
    probe_kv = Tensor({int64_t{d_.tokens}, 2 * int64_t{d_.D}}, std::vector<float>(kv, kv + size_t{d_.tokens} * 2 * d_.D));
  }
  cpu::run_heads(model_, out.hidden_state, probe_kv, out);
  if (want_attention_) {
    if (!streamed_) read_attention(out);
    out.attention_queries = queries_;
  }
  return out;
}

}  // namespace vitlens::vk
