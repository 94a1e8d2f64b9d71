#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "backend/host/activation.hpp"
#include "backend/host/heads.hpp"
#include "backend/reference/attention.hpp"
#include "backend/reference/attention_backward.hpp"
#include "backend/host/layer_norm.hpp"
#include "backend/host/linear.hpp"
#include "backend/host/matrix.hpp"
#include "backend/host/patches.hpp"
#include "backend/host/request.hpp"
#include "backend/host/weight_shapes.hpp"
#include "model/relative_position_bias.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/model/position_embedding.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

using cpu::Matrix;

Tensor to_tensor(const Matrix& m) {
  Tensor t({m.rows, m.cols});
  std::copy(m.data.begin(), m.data.end(), t.data.begin());
  return t;
}

void add_in_place(Matrix& x, const Matrix& y) {
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] += y.data[i];
}

Matrix sum(Matrix x, const Matrix& y) {
  add_in_place(x, y);
  return x;
}

// What one encoder layer's backward pass needs from its forward pass.
struct LayerTrace {
  Matrix x_in;     // the layer's input
  Matrix qkv;      // the fused projection of norm1(x_in)
  Matrix x_mid;    // after the attention residual
  Matrix fc1_out;  // before the activation (SwiGLU: both halves)
};

class ReferenceBackend : public ForwardBackend {
 public:
  explicit ReferenceBackend(std::shared_ptr<const Model> model) : model_(std::move(model)) {
    if (!model_) throw Error("reference backend: no model given");
    cpu::check_weight_shapes(*model_);
  }

  std::string device_name() const override { return "reference (C++, double accumulation)"; }

  // The forward pass with every layer traced, then back from the target logit through the
  // heads, the final norm and each layer (in double, like the forward pass).
  Explanation explain(const Tensor& pixels, const LogitTarget& target) override {
    const auto [grid_h, grid_w] = cpu::patch_grid(config(), pixels);
    const int layers = config().num_layers, heads = config().num_heads;
    std::vector<LayerTrace> trace(static_cast<size_t>(layers));
    const Matrix embedded = embed_tokens(pixels, grid_h, grid_w);
    Matrix x = pre_norm(embedded);
    for (int l = 0; l < layers; ++l) {
      encoder_layer(x, weights().layers[static_cast<size_t>(l)], {}, nullptr, &trace[static_cast<size_t>(l)], relative_bias(l, grid_h, grid_w));
      if (static_cast<size_t>(l) < weights().mid_pos_embed.size())
        add_positions(x, weights().mid_pos_embed[static_cast<size_t>(l)], grid_h, grid_w);
    }
    const Matrix before_norm = x;
    if (weights().final_norm) x = cpu::layer_norm(x, *weights().final_norm, config().layer_norm_eps);

    Explanation e;
    e.output.hidden_state = to_tensor(x);
    cpu::run_heads(*model_, e.output.hidden_state, Tensor(), e.output);
    if (model_->has_detector()) detect(x, e.output);
    e.target = target;
    Matrix grad = cpu::head_gradient(*model_, e.output, e.target);
    if (weights().final_norm) grad = cpu::layer_norm_backward(before_norm, grad, *weights().final_norm, config().layer_norm_eps);

    const int64_t tokens = x.rows;
    cpu::check_attention_size(config(), 2 * int64_t{layers}, tokens, tokens);
    e.attention = Tensor({layers, heads, tokens, tokens});
    e.attention_grad = Tensor({layers, heads, tokens, tokens});
    const size_t stride = static_cast<size_t>(heads) * tokens * tokens;
    for (int l = layers - 1; l >= 0; --l)
      grad = layer_backward(trace[static_cast<size_t>(l)], weights().layers[static_cast<size_t>(l)], grad, e.attention.ptr() + l * stride,
                            e.attention_grad.ptr() + l * stride, l == layers - 1 ? &e : nullptr, relative_bias(l, grid_h, grid_w));
    if (weights().pre_norm) grad = cpu::layer_norm_backward(embedded, grad, *weights().pre_norm, config().layer_norm_eps);
    e.pixel_grad = pixel_gradient(grad, pixels, grid_h, grid_w);
    return e;
  }

  using ForwardBackend::forward;  // a batch runs image by image

  ForwardOutput forward(const Tensor& pixels, const AttentionRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    const auto [grid_h, grid_w] = cpu::patch_grid(config(), pixels);
    const int tokens = config().num_prefix_tokens + grid_h * grid_w + config().num_detection_tokens;
    const std::vector<int> queries = cpu::attention_queries(request, tokens);

    ForwardOutput out;
    const bool streamed = static_cast<bool>(request.per_layer);
    Tensor layer_rows;  // the one layer a streamed request holds
    Tensor& rows = streamed ? layer_rows : out.attention;
    if (request.rows != AttentionRequest::Rows::None) {
      const auto q = static_cast<int64_t>(queries.size());
      cpu::check_attention_size(config(), streamed ? 1 : config().num_layers, q, tokens);
      rows = streamed ? Tensor({config().num_heads, q, tokens}) : Tensor({config().num_layers, config().num_heads, q, tokens});
      out.attention_queries = queries;
    }

    Matrix x = embed(pixels, grid_h, grid_w);
    const size_t layer_stride = static_cast<size_t>(config().num_heads) * queries.size() * tokens;
    for (int l = 0; l < config().num_layers; ++l) {
      float* probabilities = rows.empty() ? nullptr : rows.ptr() + (streamed ? 0 : l * layer_stride);
      encoder_layer(x, weights().layers[static_cast<size_t>(l)], queries, probabilities, nullptr, relative_bias(l, grid_h, grid_w));
      if (streamed && probabilities) request.per_layer(l, rows);
      if (static_cast<size_t>(l) < weights().mid_pos_embed.size())
        add_positions(x, weights().mid_pos_embed[static_cast<size_t>(l)], grid_h, grid_w);
    }
    if (weights().final_norm) x = cpu::layer_norm(x, *weights().final_norm, config().layer_norm_eps);

    out.hidden_state = to_tensor(x);
    cpu::run_heads(*model_, out.hidden_state, Tensor(), out);
    if (model_->has_detector()) detect(x, out);
    out.time_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

 private:
  const VitConfig& config() const { return model_->config; }
  const VitWeights& weights() const { return model_->weights; }

  // [prefix tokens, patch tokens, detection tokens] with position embeddings added (and
  // CLIP's pre-norm applied).
  Matrix embed(const Tensor& pixels, int grid_h, int grid_w) const { return pre_norm(embed_tokens(pixels, grid_h, grid_w)); }

  Matrix pre_norm(Matrix x) const {
    return weights().pre_norm ? cpu::layer_norm(x, *weights().pre_norm, config().layer_norm_eps) : x;
  }

  // Back through the patch embedding: the gradient at the patch tokens onto the pixels.
  Tensor pixel_gradient(const Matrix& token_grad, const Tensor& pixels, int grid_h, int grid_w) const {
    Matrix patch_grad(grid_h * grid_w, token_grad.cols);
    std::copy_n(token_grad.row(config().num_prefix_tokens), patch_grad.data.size(), patch_grad.data.begin());
    const Matrix flat = cpu::linear_backward(patch_grad, weights().patch_embed);
    const std::vector<float> rows(flat.data.begin(), flat.data.end());
    Tensor grad(pixels.shape);
    cpu::scatter_patches(rows.data(), static_cast<size_t>(flat.cols), config().patch_size, grad);
    return grad;
  }

  // The tokens before CLIP's pre-norm: prefix, patches and suffix with their positions.
  Matrix embed_tokens(const Tensor& pixels, int grid_h, int grid_w) const {
    const int prefix = config().num_prefix_tokens;
    Matrix patches = cpu::linear(flatten_patches(pixels, grid_h, grid_w), weights().patch_embed);
    Matrix x(prefix + patches.rows + config().num_detection_tokens, config().hidden_size);
    std::copy(weights().prefix_tokens.data.begin(), weights().prefix_tokens.data.end(), x.data.begin());
    std::copy(patches.data.begin(), patches.data.end(), x.row(prefix));
    std::copy(weights().suffix_tokens.data.begin(), weights().suffix_tokens.data.end(), x.row(prefix + patches.rows));
    add_positions(x, weights().pos_embed, grid_h, grid_w);
    return x;
  }

  // Adds a position table, its patch rows interpolated to this grid. Its prefix rows go to
  // CLS and the distillation token; registers, and every prefix token of a table without
  // prefix rows (timm no_embed_class), get no position embedding.
  void add_positions(Matrix& x, const Tensor& positions, int grid_h, int grid_w) const {
    const int table_prefix = config().positioned_prefix_tokens();
    const Tensor table = interpolate_pos_embed(positions, table_prefix, config().num_detection_tokens,
                                               config().grid_height(), config().grid_width(), grid_h, grid_w,
                                               config().position_resample);
    const size_t prefix_values = static_cast<size_t>(table_prefix) * x.cols;
    for (size_t i = 0; i < prefix_values; ++i) x.data[i] += table.data[i];
    double* patches = x.row(config().num_prefix_tokens);
    for (size_t i = prefix_values; i < table.data.size(); ++i) patches[i - prefix_values] += table.data[i];
  }

  // One row per patch, its values in (channel, row, column) order like the conv weight.
  Matrix flatten_patches(const Tensor& pixels, int grid_h, int grid_w) const {
    const int p = config().patch_size;
    Matrix patches(grid_h * grid_w, config().num_channels * p * p);
    std::vector<float> rows(patches.data.size());
    cpu::gather_patches(pixels, p, rows.data(), static_cast<size_t>(patches.cols));
    std::copy(rows.begin(), rows.end(), patches.data.begin());
    return patches;
  }

  // Layer l's relative position bias fitted to the input grid; empty for models without one.
  cpu::RelativeBias relative_bias(int l, int grid_h, int grid_w) const {
    const Tensor& trained = weights().layers[static_cast<size_t>(l)].relative_position_bias;
    if (trained.empty()) return {};
    return {relative_position_table(trained, config(), grid_h, grid_w), grid_h, grid_w};
  }

  // `trace`, when given, keeps what layer_backward needs.
  void encoder_layer(Matrix& x, const EncoderLayerWeights& layer, const std::vector<int>& queries,
                     float* probabilities, LayerTrace* trace = nullptr, const cpu::RelativeBias& bias = {}) const {
    const double eps = config().layer_norm_eps;
    if (trace) trace->x_in = x;
    const Matrix qkv = cpu::linear(cpu::layer_norm(x, layer.norm1, eps), layer.qkv);
    const Matrix context = cpu::self_attention(qkv, config().num_heads, queries, probabilities, bias);
    add_in_place(x, cpu::linear(context, layer.proj));

    Matrix hidden = cpu::linear(cpu::layer_norm(x, layer.norm2, eps), layer.fc1);
    if (trace) {
      trace->qkv = qkv;
      trace->x_mid = x;
      trace->fc1_out = hidden;
    }
    if (config().mlp == MlpKind::SwiGlu)
      hidden = cpu::swiglu(hidden);
    else
      cpu::activate(config().activation, hidden);
    add_in_place(x, cpu::linear(hidden, layer.fc2));
  }

  // From the gradient at a layer's output to the gradient at its input; the layer's attention
  // and the gradient with respect to it go to `attention` and `attention_grad` [heads, T, T],
  // and for the last layer Grad-CAM's norm1 output and gradient to `explanation`.
  Matrix layer_backward(const LayerTrace& t, const EncoderLayerWeights& layer, const Matrix& d_out, float* attention,
                        float* attention_grad, Explanation* explanation, const cpu::RelativeBias& bias) const {
    const double eps = config().layer_norm_eps;
    const Matrix d_hidden = cpu::linear_backward(d_out, layer.fc2);
    Matrix d_fc1 = d_hidden;
    if (config().mlp == MlpKind::SwiGlu) {
      d_fc1 = cpu::swiglu_backward(t.fc1_out, d_hidden);
    } else {
      for (size_t i = 0; i < d_fc1.data.size(); ++i) d_fc1.data[i] *= cpu::activation_derivative(config().activation, t.fc1_out.data[i]);
    }
    const Matrix d_mid = sum(d_out, cpu::layer_norm_backward(t.x_mid, cpu::linear_backward(d_fc1, layer.fc1), layer.norm2, eps));
    const Matrix d_qkv =
        cpu::self_attention_backward(t.qkv, config().num_heads, cpu::linear_backward(d_mid, layer.proj), attention, attention_grad, bias);
    const Matrix d_norm1 = cpu::linear_backward(d_qkv, layer.qkv);
    if (explanation) {
      explanation->last_norm1 = to_tensor(cpu::layer_norm(t.x_in, layer.norm1, eps));
      explanation->last_norm1_grad = to_tensor(d_norm1);
    }
    return sum(d_mid, cpu::layer_norm_backward(t.x_in, d_norm1, layer.norm1, eps));
  }

  // YOLOS: both MLP heads on the detection tokens (the last rows); sigmoid on the boxes.
  void detect(const Matrix& x, ForwardOutput& out) const {
    const int count = config().num_detection_tokens;
    Matrix tokens(count, x.cols);
    std::copy(x.row(x.rows - count), x.row(x.rows - count) + static_cast<size_t>(count) * x.cols, tokens.data.begin());
    out.detection_logits = to_tensor(mlp(tokens, weights().detection->class_mlp));
    Matrix boxes = mlp(tokens, weights().detection->box_mlp);
    for (double& v : boxes.data) v = 1.0 / (1.0 + std::exp(-v));
    out.detection_boxes = to_tensor(boxes);
  }

  static Matrix mlp(Matrix x, const std::vector<Linear>& layers) {
    for (size_t i = 0; i < layers.size(); ++i) {
      x = cpu::linear(x, layers[i]);
      if (i + 1 < layers.size()) cpu::activate(Activation::Relu, x);
    }
    return x;
  }

  std::shared_ptr<const Model> model_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_reference_backend(std::shared_ptr<const Model> model) {
  return std::make_unique<ReferenceBackend>(std::move(model));
}

}  // namespace vitlens
