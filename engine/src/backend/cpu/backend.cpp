#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <list>
#include <optional>

#include "backend/cpu/activation.hpp"
#include "backend/cpu/attention.hpp"
#include "backend/cpu/attention_backward.hpp"
#include "backend/cpu/denormals.hpp"
#include "backend/cpu/input_gradient.hpp"
#include "backend/cpu/layer_norm.hpp"
#include "backend/cpu/onednn.hpp"
#include "backend/cpu/packed_linear.hpp"
#include "backend/cpu/swiglu.hpp"
#include "backend/cpu/threads.hpp"
#include "backend/host/heads.hpp"
#include "backend/host/patches.hpp"
#include "backend/host/request.hpp"
#include "backend/host/weight_shapes.hpp"
#include "model/relative_position_bias.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/position_embedding.hpp"
#include "vitlens/model/token_layout.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

using cpu::Epilogue;
using cpu::PackedLayerNorm;
using cpu::PackedLinear;

// One encoder block's weights in oneDNN's layouts, with their epilogues fused: fc1's
// activation (none for SwiGLU, which runs after it), and the residual adds of proj and fc2.
// A traced pass keeps fc1's output before the activation, so it runs fc1 without it.
struct PackedLayer {
  PackedLayerNorm norm1;
  PackedLinear qkv;
  PackedLinear proj;
  PackedLayerNorm norm2;
  PackedLinear fc1;
  PackedLinear fc1_traced;
  PackedLinear fc2;

  PackedLayer(cpu::OneDnn& dnn, const EncoderLayerWeights& w, const VitConfig& c)
      : norm1(dnn, w.norm1, c.layer_norm_eps),
        qkv(dnn, w.qkv),
        proj(dnn, w.proj, Epilogue::add_to()),
        norm2(dnn, w.norm2, c.layer_norm_eps),
        fc1(dnn, w.fc1, c.mlp == MlpKind::SwiGlu ? Epilogue::store() : Epilogue::activate(c.activation)),
        fc1_traced(fc1.with_epilogue(Epilogue::store())),
        fc2(dnn, w.fc2, Epilogue::add_to()) {}
};

// What a layer's backward pass needs from the traced forward pass.
struct LayerTrace {
  std::vector<float> x_in;     // the layer's input [T, D]
  std::vector<float> qkv;      // [T, 3D]
  std::vector<float> x_mid;    // after the attention residual [T, D]
  std::vector<float> fc1_out;  // before the activation [T, I] (SwiGLU: both halves)
};

struct Trace {
  std::vector<float> embedded;  // the tokens before the pre-norm (CLIP only)
  std::vector<LayerTrace> layers;
  std::vector<float> before_final_norm;
};

// What explanations add to the forward pass, made at the first one: the input gradients of
// every linear layer (weights read in place, dx = dy·W), attention's backward pass and the
// activation run apart from fc1.
struct Gradients {
  struct Layer {
    cpu::InputGradient qkv, proj, fc1, fc2;
  };
  std::vector<Layer> layers;
  cpu::InputGradient patch_embed;
  cpu::AttentionBackward attention;
  cpu::ActivationKernel activation;

  Gradients(cpu::OneDnn& dnn, const Model& model)
      : patch_embed(dnn, model.weights.patch_embed),
        attention(dnn, model.config.hidden_size, model.config.num_heads),
        activation(dnn, model.config.activation) {
    for (const auto& w : model.weights.layers)
      layers.push_back({{dnn, w.qkv}, {dnn, w.proj}, {dnn, w.fc1}, {dnn, w.fc2}});
  }
};

// A 3-layer MLP of YOLOS's detection heads: ReLU after the first two.
struct PackedMlp {
  std::vector<PackedLinear> layers;

  PackedMlp(cpu::OneDnn& dnn, const std::vector<Linear>& w) {
    for (size_t i = 0; i < w.size(); ++i)
      layers.emplace_back(dnn, w[i], i + 1 < w.size() ? Epilogue::activate(Activation::Relu) : Epilogue::store());
  }

  Tensor run(cpu::OneDnn& dnn, const float* x, int rows) {
    std::vector<float> in(x, x + static_cast<size_t>(rows) * layers.front().in_features()), out;
    for (auto& layer : layers) {
      out.assign(static_cast<size_t>(rows) * layer.out_features(), 0.0f);
      layer.run(in.data(), rows, out.data());
      in.swap(out);
    }
    dnn.stream.wait();
    Tensor result({rows, layers.back().out_features()});
    std::copy(in.begin(), in.end(), result.data.begin());
    return result;
  }
};

// What depends on the input size: the token table the patch embedding adds onto (prefix and
// suffix tokens with their position rows, the patches' position rows interpolated to this
// grid), YOLOS's mid-position tables and BEiT's bias tables fitted to the grid.
struct SizePlan {
  int grid_h = 0, grid_w = 0, tokens = 0;
  std::vector<float> initial;            // [T, D]
  std::vector<std::vector<float>> mid;   // per layer but the last: [T, D]
  std::vector<Tensor> bias;              // per layer: [rows, heads]; empty without
};

class OneDnnBackend : public ForwardBackend {
 public:
  OneDnnBackend(std::shared_ptr<const Model> model, int threads) : model_(std::move(model)) {
    if (!model_) throw Error("cpu backend: no model given");
    cpu::check_weight_shapes(*model_);
    dnn_.threads = threads > 0 ? threads : cpu::default_threads();
    const VitConfig& c = config();
    const VitWeights& w = model_->weights;
    patch_embed_.emplace(dnn_, w.patch_embed, Epilogue::add_to());
    if (w.pre_norm) pre_norm_.emplace(dnn_, *w.pre_norm, c.layer_norm_eps);
    for (const auto& layer : w.layers) layers_.emplace_back(dnn_, layer, c);
    if (w.final_norm) final_norm_.emplace(dnn_, *w.final_norm, c.layer_norm_eps);
    if (w.probe) probe_kv_.emplace(dnn_, w.probe->kv);
    if (w.detection) {
      class_mlp_.emplace(dnn_, w.detection->class_mlp);
      box_mlp_.emplace(dnn_, w.detection->box_mlp);
    }
    attention_.emplace(dnn_, c.hidden_size, c.num_heads);
  }

  std::string device_name() const override { return "cpu (oneDNN, " + std::to_string(dnn_.threads) + " threads)"; }

  using ForwardBackend::forward;

  ForwardOutput forward(const Tensor& pixels, const AttentionRequest& request) override {
    const cpu::FlushDenormals flush(dnn_.threads);
    return run(pixels, request, nullptr);
  }

  // The linear layers run faster on more rows, up to about a thousand: 5 images of a 197-token
  // DeiT-tiny give 13% more images per second than 1 on two cores, ViT-B/16's larger layers
  // 0-5%, the 50-token demo model 61% at 8 (docs/cpu.md, Batches).
  int preferred_batch(int height, int width) const override {
    return std::clamp(kBatchRows / token_layout(config(), height, width).tokens(), 1, kMaxBatch);
  }

  std::vector<ForwardOutput> forward(const std::vector<Tensor>& images, const AttentionRequest& request) override {
    if (request.per_layer || images.size() < 2) return ForwardBackend::forward(images, request);
    check_one_size(images);
    const cpu::FlushDenormals flush(dnn_.threads);
    std::vector<const Tensor*> batch;
    for (const Tensor& image : images) batch.push_back(&image);
    return run(batch, request, nullptr);
  }

  // A traced forward pass keeping every layer's attention, then back from the target logit
  // through the heads, the final norm, each layer and the patch embedding, in float.
  Explanation explain(const Tensor& pixels, const LogitTarget& target) override {
    const auto [grid_h, grid_w] = cpu::patch_grid(config(), pixels);
    const int L = config().num_layers, H = config().num_heads;
    const int T = plan_for(grid_h, grid_w).tokens;
    cpu::check_attention_size(config(), 2 * int64_t{L}, T, T);
    if (!gradients_) gradients_.emplace(dnn_, *model_);
    const cpu::FlushDenormals flush(dnn_.threads);

    Explanation e;
    e.output = run(pixels, AttentionRequest::all(), &trace_);
    e.attention = std::move(e.output.attention);
    e.output.attention = Tensor();
    e.output.attention_queries.clear();
    e.target = target;
    const cpu::Matrix head = cpu::head_gradient(*model_, e.output, e.target);
    std::vector<float> d(head.data.begin(), head.data.end());
    if (final_norm_) normalisation_backward(*final_norm_, trace_.before_final_norm, T, d);

    e.attention_grad = Tensor({L, H, T, T});
    const size_t stride = static_cast<size_t>(H) * T * T;
    for (int l = L - 1; l >= 0; --l)
      layer_backward(l, trace_.layers[static_cast<size_t>(l)], T, e.attention.ptr() + l * stride, e.attention_grad.ptr() + l * stride,
                     d.data(), l == L - 1 ? &e : nullptr);
    if (pre_norm_) normalisation_backward(*pre_norm_, trace_.embedded, T, d);
    e.pixel_grad = pixel_gradient(d, pixels, grid_h, grid_w);
    return e;
  }

 private:
  // With `trace`, every layer keeps what its backward pass needs.
  ForwardOutput run(const Tensor& pixels, const AttentionRequest& request, Trace* trace) {
    return std::move(run({&pixels}, request, trace).front());
  }

  // Images of one size as one pass: the token rows of all of them go through each linear
  // layer and norm together, attention and the heads run image by image. A trace or a
  // streamed request takes one image.
  std::vector<ForwardOutput> run(const std::vector<const Tensor*>& images, const AttentionRequest& request, Trace* trace) {
    const auto start = std::chrono::steady_clock::now();
    // oneDNN's OpenMP regions take the calling thread's team size, and callers (the GUI's
    // workers) come and go, so it is set on every call.
    omp_set_num_threads(dnn_.threads);
    const auto [grid_h, grid_w] = cpu::patch_grid(config(), *images.front());
    const SizePlan& plan = plan_for(grid_h, grid_w);
    const int B = static_cast<int>(images.size());
    const int T = plan.tokens, D = config().hidden_size, L = config().num_layers, H = config().num_heads;
    const std::vector<int> queries = cpu::attention_queries(request, T);
    const size_t image_stride = static_cast<size_t>(T) * D;

    std::vector<ForwardOutput> outs(images.size());
    const bool streamed = static_cast<bool>(request.per_layer);
    Tensor layer_rows;
    if (request.rows != AttentionRequest::Rows::None) {
      const auto q = static_cast<int64_t>(queries.size());
      cpu::check_attention_size(config(), streamed ? 1 : int64_t{L} * B, q, T);
      if (streamed) layer_rows = Tensor({H, q, T});
      for (ForwardOutput& out : outs) {
        if (!streamed) out.attention = Tensor({L, H, q, T});
        out.attention_queries = queries;
      }
    }

    std::vector<float>& x = x_;
    embed(images, plan, trace);
    if (trace) trace->layers.resize(static_cast<size_t>(L));
    // Unless asked for the hidden state or attention, the last layer runs on the rows the heads read.
    const std::vector<std::pair<int, int>> kept = request.hidden_state || request.rows != AttentionRequest::Rows::None || trace
                                                      ? std::vector<std::pair<int, int>>{}
                                                      : cpu::rows_read_by_heads(*model_, T);
    const size_t layer_stride = static_cast<size_t>(H) * queries.size() * T;
    std::vector<cpu::AttentionRows> rows(images.size(), {&queries, nullptr});
    for (int l = 0; l < L; ++l) {
      if (l == L - 1 && !kept.empty()) {
        last_layer_on_rows(l, plan, T, B, kept);
        break;
      }
      for (int b = 0; b < B; ++b) {
        Tensor& held = streamed ? layer_rows : outs[static_cast<size_t>(b)].attention;
        rows[static_cast<size_t>(b)].probabilities = held.empty() ? nullptr : held.ptr() + (streamed ? 0 : l * layer_stride);
      }
      encoder_layer(l, plan, T, rows, trace ? &trace->layers[static_cast<size_t>(l)] : nullptr);
      if (streamed && !layer_rows.empty()) request.per_layer(l, layer_rows);
      if (static_cast<size_t>(l) < plan.mid.size()) {
        dnn_.stream.wait();
        for (int b = 0; b < B; ++b) add(x.data() + b * image_stride, plan.mid[static_cast<size_t>(l)].data(), image_stride);
      }
    }

    dnn_.stream.wait();
    if (trace) trace->before_final_norm = x;
    for (int b = 0; b < B; ++b) {
      ForwardOutput& out = outs[static_cast<size_t>(b)];
      finish(x.data() + b * image_stride, T, out);
      if (!kept.empty()) out.hidden_state = Tensor();  // only the kept rows hold the last layer's output
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    for (ForwardOutput& out : outs) out.time_ms = ms / B;
    return outs;
  }

  // The images' tokens into x_, one image after the other: the token table of their size with
  // their patches added, through the pre-norm where the model has one (CLIP).
  void embed(const std::vector<const Tensor*>& images, const SizePlan& plan, Trace* trace) {
    const size_t image_stride = plan.initial.size();
    x_.resize(image_stride * images.size());
    for (size_t b = 0; b < images.size(); ++b) {
      if (b > 0) dnn_.stream.wait();  // the previous image's patch matrix is read before it is refilled
      float* image_x = x_.data() + b * image_stride;
      std::copy(plan.initial.begin(), plan.initial.end(), image_x);
      embed_patches(*images[b], plan.grid_h, plan.grid_w, image_x);
    }
    if (!pre_norm_) return;
    if (trace) trace->embedded = x_;
    normed_.resize(x_.size());
    pre_norm_->run(x_.data(), static_cast<int>(images.size()) * plan.tokens, normed_.data());
    x_.swap(normed_);
  }

  // One image's tokens x [T, D] after the last layer: the final norm and the heads.
  void finish(const float* x, int T, ForwardOutput& out) {
    const int D = config().hidden_size;
    out.hidden_state = Tensor({T, D});
    if (final_norm_)
      final_norm_->run(x, T, out.hidden_state.ptr());
    else
      std::copy(x, x + static_cast<size_t>(T) * D, out.hidden_state.data.begin());
    Tensor probe_kv;
    if (probe_kv_) {
      probe_kv = Tensor({T, 2 * D});
      probe_kv_->run(out.hidden_state.ptr(), T, probe_kv.ptr());
    }
    dnn_.stream.wait();
    cpu::run_heads(*model_, out.hidden_state, probe_kv, out);
    if (model_->has_detector()) detect(out);
  }

  const VitConfig& config() const { return model_->config; }

  static void add(float* x, const float* y, size_t n) {
    for (size_t i = 0; i < n; ++i) x[i] += y[i];
  }

  // The patch embedding (a convolution with stride = kernel = patch size) as one matmul over
  // the image's patch matrix, added onto the patch rows of x.
  void embed_patches(const Tensor& pixels, int grid_h, int grid_w, float* x) {
    const int p = config().patch_size;
    const int count = grid_h * grid_w, flat = config().num_channels * p * p;
    patches_.resize(static_cast<size_t>(count) * flat);
    cpu::gather_patches(pixels, p, patches_.data(), static_cast<size_t>(flat));
    patch_embed_->run(patches_.data(), count, x + static_cast<size_t>(config().num_prefix_tokens) * config().hidden_size);
  }

  // Layer l on the tokens of rows.size() images of T tokens each, one after the other in x_.
  void encoder_layer(int l, const SizePlan& plan, int T, const std::vector<cpu::AttentionRows>& rows, LayerTrace* trace) {
    PackedLayer& layer = layers_[static_cast<size_t>(l)];
    const int D = config().hidden_size;
    const int images = static_cast<int>(rows.size()), R = images * T;
    normed_.resize(static_cast<size_t>(R) * D);
    qkv_.resize(static_cast<size_t>(R) * 3 * D);
    context_.resize(static_cast<size_t>(R) * D);
    if (trace) {
      dnn_.stream.wait();
      trace->x_in = x_;
    }
    layer.norm1.run(x_.data(), R, normed_.data());
    layer.qkv.run(normed_.data(), R, qkv_.data());
    const Tensor& bias = plan.bias[static_cast<size_t>(l)];
    for (int b = 0; b < images; ++b)
      attention_->run(qkv_.data() + static_cast<size_t>(b) * T * 3 * D, T, context_.data() + static_cast<size_t>(b) * T * D,
                      rows[static_cast<size_t>(b)], {&bias, plan.grid_h, plan.grid_w});
    layer.proj.run(context_.data(), R, x_.data());
    if (trace) {
      dnn_.stream.wait();
      trace->qkv = qkv_;
      trace->x_mid = x_;
    }
    mlp(layer, x_.data(), R, trace);
  }

  // The last layer on only the rows the heads read, `kept` (first, count) of each of `images`
  // images: norm1 and QKV run on every token (every key and value takes part), attention's
  // queries, proj and the MLP on the kept rows, which then go back into x_. The other rows
  // keep the layer's input; nothing reads them.
  void last_layer_on_rows(int l, const SizePlan& plan, int T, int images, const std::vector<std::pair<int, int>>& kept) {
    PackedLayer& layer = layers_[static_cast<size_t>(l)];
    const int D = config().hidden_size, all = images * T;
    int per_image = 0;
    for (const auto& range : kept) per_image += range.second;
    const int R = images * per_image;
    normed_.resize(static_cast<size_t>(all) * D);
    qkv_.resize(static_cast<size_t>(all) * 3 * D);
    context_.resize(static_cast<size_t>(R) * D);
    kept_x_.resize(static_cast<size_t>(R) * D);
    layer.norm1.run(x_.data(), all, normed_.data());
    layer.qkv.run(normed_.data(), all, qkv_.data());
    const Tensor& bias = plan.bias[static_cast<size_t>(l)];
    const auto for_each_kept = [&](const auto& visit) {
      size_t row = 0;
      for (int b = 0; b < images; ++b)
        for (const auto& [first, count] : kept) {
          visit(static_cast<size_t>(b) * T + first, row, b, first, count);
          row += static_cast<size_t>(count);
        }
    };
    for_each_kept([&](size_t, size_t row, int b, int first, int count) {
      attention_->run_queries(qkv_.data() + static_cast<size_t>(b) * T * 3 * D, T, first, first + count, context_.data() + row * D,
                              {}, {&bias, plan.grid_h, plan.grid_w});
    });
    dnn_.stream.wait();
    for_each_kept([&](size_t token, size_t row, int, int, int count) {
      std::copy_n(x_.data() + token * D, static_cast<size_t>(count) * D, kept_x_.data() + row * D);
    });
    layer.proj.run(context_.data(), R, kept_x_.data());
    mlp(layer, kept_x_.data(), R, nullptr);
    dnn_.stream.wait();
    for_each_kept([&](size_t token, size_t row, int, int, int count) {
      std::copy_n(kept_x_.data() + row * D, static_cast<size_t>(count) * D, x_.data() + token * D);
    });
  }

  // A block's MLP half on `rows` rows of x: x += fc2(activation(fc1(norm2(x)))), SwiGLU's
  // gate in place of the activation.
  void mlp(PackedLayer& layer, float* x, int rows, LayerTrace* trace) {
    const int D = config().hidden_size, width = layer.fc1.out_features();
    const bool swiglu = config().mlp == MlpKind::SwiGlu;
    normed_.resize(std::max(normed_.size(), static_cast<size_t>(rows) * D));
    hidden_.resize(static_cast<size_t>(rows) * width);
    layer.norm2.run(x, rows, normed_.data());
    if (trace) {
      layer.fc1_traced.run(normed_.data(), rows, hidden_.data());
      dnn_.stream.wait();
      trace->fc1_out = hidden_;
      if (!swiglu) gradients_->activation.forward(hidden_.data(), static_cast<int64_t>(hidden_.size()), hidden_.data());
    } else {
      layer.fc1.run(normed_.data(), rows, hidden_.data());
    }
    if (swiglu) {
      dnn_.stream.wait();
      gated_.resize(static_cast<size_t>(rows) * width / 2);
      cpu::swiglu(hidden_.data(), rows, width / 2, gated_.data(), dnn_.threads);
      layer.fc2.run(gated_.data(), rows, x);
    } else {
      layer.fc2.run(hidden_.data(), rows, x);
    }
  }

  // From the gradient `d` [T, D] at layer l's output to the gradient at its input, in place.
  // The layer's attention gradient goes to `attention_grad` [H, T, T]; for the last layer,
  // Grad-CAM's norm1 output and the gradient there go to `last`.
  void layer_backward(int l, const LayerTrace& t, int T, const float* attention, float* attention_grad, float* d, Explanation* last) {
    PackedLayer& layer = layers_[static_cast<size_t>(l)];
    Gradients::Layer& g = gradients_->layers[static_cast<size_t>(l)];
    const int D = config().hidden_size, width = layer.fc1.out_features();
    const bool swiglu = config().mlp == MlpKind::SwiGlu;
    const int activated = swiglu ? width / 2 : width;
    d_hidden_.resize(static_cast<size_t>(T) * activated);
    d_fc1_.resize(static_cast<size_t>(T) * width);
    d_normed_.resize(static_cast<size_t>(T) * D);
    d_context_.resize(static_cast<size_t>(T) * D);
    d_qkv_.resize(static_cast<size_t>(T) * 3 * D);

    g.fc2.run(d, T, d_hidden_.data());
    if (swiglu) {
      dnn_.stream.wait();
      cpu::swiglu_backward(t.fc1_out.data(), d_hidden_.data(), T, activated, d_fc1_.data(), dnn_.threads);
    } else {
      gradients_->activation.backward(t.fc1_out.data(), d_hidden_.data(), static_cast<int64_t>(d_fc1_.size()), d_fc1_.data());
    }
    g.fc1.run(d_fc1_.data(), T, d_normed_.data());
    layer.norm2.backward(t.x_mid.data(), d_normed_.data(), T, d, true);
    g.proj.run(d, T, d_context_.data());
    gradients_->attention.run(t.qkv.data(), T, attention, d_context_.data(), attention_grad, d_qkv_.data());
    g.qkv.run(d_qkv_.data(), T, d_normed_.data());
    dnn_.stream.wait();
    if (last) {
      last->last_norm1 = Tensor({T, D});
      layer.norm1.run(t.x_in.data(), T, last->last_norm1.ptr());
      last->last_norm1_grad = Tensor({T, D});
      std::copy(d_normed_.begin(), d_normed_.end(), last->last_norm1_grad.data.begin());
    }
    layer.norm1.backward(t.x_in.data(), d_normed_.data(), T, d, true);
  }

  // Back through a norm that is not on a residual branch (the final norm, CLIP's pre-norm):
  // `d` holds the gradient at its output and gets the gradient at its input `x`.
  void normalisation_backward(const PackedLayerNorm& norm, const std::vector<float>& x, int T, std::vector<float>& d) {
    d_normed_.assign(d.begin(), d.end());
    norm.backward(x.data(), d_normed_.data(), T, d.data(), false);
  }

  // Back through the patch embedding: the patch tokens' gradient onto the pixels.
  Tensor pixel_gradient(const std::vector<float>& d, const Tensor& pixels, int grid_h, int grid_w) {
    const int p = config().patch_size, flat = config().num_channels * p * p;
    patches_.resize(static_cast<size_t>(grid_h) * grid_w * flat);
    gradients_->patch_embed.run(d.data() + static_cast<size_t>(config().num_prefix_tokens) * config().hidden_size, grid_h * grid_w,
                                patches_.data());
    dnn_.stream.wait();
    Tensor grad(pixels.shape);
    cpu::scatter_patches(patches_.data(), static_cast<size_t>(flat), p, grad);
    return grad;
  }

  // YOLOS: both MLP heads on the detection tokens (the last rows of the hidden state); sigmoid
  // on the boxes.
  void detect(ForwardOutput& out) {
    const int count = config().num_detection_tokens;
    const float* tokens = out.hidden_state.ptr() + (out.hidden_state.dim(0) - count) * config().hidden_size;
    out.detection_logits = class_mlp_->run(dnn_, tokens, count);
    out.detection_boxes = box_mlp_->run(dnn_, tokens, count);
    for (float& v : out.detection_boxes.data) v = 1.0f / (1.0f + std::exp(-v));
  }

  const SizePlan& plan_for(int grid_h, int grid_w) {
    for (auto it = plans_.begin(); it != plans_.end(); ++it)
      if (it->grid_h == grid_h && it->grid_w == grid_w) {
        plans_.splice(plans_.begin(), plans_, it);
        return plans_.front();
      }
    if (plans_.size() >= kPlanCacheSize) plans_.pop_back();
    plans_.push_front(make_plan(grid_h, grid_w));
    return plans_.front();
  }

  SizePlan make_plan(int grid_h, int grid_w) const {
    const VitConfig& c = config();
    const VitWeights& w = model_->weights;
    SizePlan plan;
    plan.grid_h = grid_h;
    plan.grid_w = grid_w;
    const int prefix = c.num_prefix_tokens, suffix = c.num_detection_tokens, D = c.hidden_size;
    plan.tokens = prefix + grid_h * grid_w + suffix;
    const int table_prefix = c.positioned_prefix_tokens();
    // A position table's prefix rows go to CLS and the distillation token; registers get none.
    const auto positions = [&](const Tensor& table) {
      const Tensor t = interpolate_pos_embed(table, table_prefix, suffix, c.grid_height(), c.grid_width(), grid_h, grid_w,
                                             c.position_resample);
      std::vector<float> rows(static_cast<size_t>(plan.tokens) * D, 0.0f);
      const auto prefix_values = static_cast<std::ptrdiff_t>(table_prefix) * D;
      std::copy(t.data.begin(), t.data.begin() + prefix_values, rows.begin());
      std::copy(t.data.begin() + prefix_values, t.data.end(), rows.begin() + static_cast<std::ptrdiff_t>(prefix) * D);
      return rows;
    };
    plan.initial = positions(w.pos_embed);
    add(plan.initial.data(), w.prefix_tokens.ptr(), w.prefix_tokens.data.size());
    add(plan.initial.data() + static_cast<size_t>(prefix + grid_h * grid_w) * D, w.suffix_tokens.ptr(), w.suffix_tokens.data.size());
    for (const Tensor& table : w.mid_pos_embed) plan.mid.push_back(positions(table));
    for (const auto& layer : w.layers)
      plan.bias.push_back(layer.relative_position_bias.empty() ? Tensor()
                                                               : relative_position_table(layer.relative_position_bias, c, grid_h, grid_w));
    return plan;
  }

  static constexpr int kBatchRows = 1024;
  static constexpr int kMaxBatch = 8;
  // Live video alternates between a couple of sizes; a few plans cover it.
  static constexpr size_t kPlanCacheSize = 4;

  std::shared_ptr<const Model> model_;
  cpu::OneDnn dnn_;
  std::optional<PackedLinear> patch_embed_;
  std::optional<PackedLayerNorm> pre_norm_;
  std::vector<PackedLayer> layers_;
  std::optional<PackedLayerNorm> final_norm_;
  std::optional<PackedLinear> probe_kv_;
  std::optional<PackedMlp> class_mlp_, box_mlp_;
  std::optional<cpu::BlockedAttention> attention_;
  std::list<SizePlan> plans_;  // most recent first
  std::optional<Gradients> gradients_;
  Trace trace_;  // kept between explanations, like the activations: refilling is cheaper than new pages
  // Activations and their gradients, reused from one image to the next.
  std::vector<float> x_, normed_, qkv_, context_, hidden_, gated_, patches_, kept_x_;
  std::vector<float> d_hidden_, d_fc1_, d_normed_, d_context_, d_qkv_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_cpu_backend(std::shared_ptr<const Model> model, int threads) {
  return std::make_unique<OneDnnBackend>(std::move(model), threads);
}

}  // namespace vitlens
