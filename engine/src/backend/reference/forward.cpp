#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "backend/host/activation.hpp"
#include "backend/host/heads.hpp"
#include "backend/reference/attention.hpp"
#include "backend/host/layer_norm.hpp"
#include "backend/host/linear.hpp"
#include "backend/host/matrix.hpp"
#include "backend/reference/weight_shapes.hpp"
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

class CpuBackend : public ForwardBackend {
 public:
  explicit CpuBackend(std::shared_ptr<const Model> model) : model_(std::move(model)) {
    if (!model_) throw Error("cpu backend: no model given");
    cpu::check_weight_shapes(*model_);
  }

  std::string device_name() const override { return "cpu (reference)"; }

  ForwardOutput forward(const Tensor& pixels, const AttentionRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    check_pixels(pixels);
    const int grid_h = static_cast<int>(pixels.dim(1)) / config().patch_size;
    const int grid_w = static_cast<int>(pixels.dim(2)) / config().patch_size;
    const int tokens = config().num_prefix_tokens + grid_h * grid_w + config().num_detection_tokens;
    const std::vector<int> queries = attention_queries(request, tokens);

    ForwardOutput out;
    const bool streamed = static_cast<bool>(request.per_layer);
    Tensor layer_rows;  // the one layer a streamed request holds
    Tensor& rows = streamed ? layer_rows : out.attention;
    if (request.rows != AttentionRequest::Rows::None) {
      const auto q = static_cast<int64_t>(queries.size());
      check_attention_size(streamed ? 1 : config().num_layers, q, tokens);
      rows = streamed ? Tensor({config().num_heads, q, tokens}) : Tensor({config().num_layers, config().num_heads, q, tokens});
      out.attention_queries = queries;
    }

    Matrix x = embed(pixels, grid_h, grid_w);
    const size_t layer_stride = static_cast<size_t>(config().num_heads) * queries.size() * tokens;
    for (int l = 0; l < config().num_layers; ++l) {
      float* probabilities = rows.empty() ? nullptr : rows.ptr() + (streamed ? 0 : l * layer_stride);
      encoder_layer(x, weights().layers[static_cast<size_t>(l)], queries, probabilities);
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

  void check_pixels(const Tensor& pixels) const {
    const int p = config().patch_size;
    const bool shape_ok = pixels.rank() == 3 && pixels.dim(0) == config().num_channels && pixels.dim(1) >= p &&
                          pixels.dim(2) >= p && pixels.dim(1) % p == 0 && pixels.dim(2) % p == 0 &&
                          pixels.numel() == static_cast<int64_t>(pixels.data.size());
    if (!shape_ok)
      throw Error("input image tensor has shape " + shape_string(pixels.shape) + " but the model needs [" +
                  std::to_string(config().num_channels) + ", H, W] with H and W positive multiples of the patch size " +
                  std::to_string(p));
  }

  // All rows of a very large image would not fit in memory; say so instead of failing to allocate.
  void check_attention_size(int64_t layers, int64_t queries, int64_t tokens) const {
    constexpr int64_t kMaxValues = int64_t{1} << 30;
    const int64_t values = layers * config().num_heads * queries * tokens;
    if (values > kMaxValues)
      throw Error("attention for " + std::to_string(queries) + " query tokens over " + std::to_string(tokens) +
                  " tokens would need " + std::to_string(values * 4 / (1 << 20)) + " MiB (the limit is " +
                  std::to_string(kMaxValues * 4 / (1 << 20)) +
                  " MiB); request fewer rows (for example only the CLS token)" +
                  (layers > 1 ? " or stream them layer by layer" : ""));
  }

  static std::vector<int> attention_queries(const AttentionRequest& request, int tokens) {
    switch (request.rows) {
      case AttentionRequest::Rows::None:
        return {};
      case AttentionRequest::Rows::All: {
        std::vector<int> all(static_cast<size_t>(tokens));
        for (int t = 0; t < tokens; ++t) all[static_cast<size_t>(t)] = t;
        return all;
      }
      case AttentionRequest::Rows::Selected:
        for (int t : request.query_tokens)
          if (t < 0 || t >= tokens)
            throw Error("attention was requested for token " + std::to_string(t) + " but this image has only " +
                        std::to_string(tokens) + " tokens (0.." + std::to_string(tokens - 1) + ")");
        return request.query_tokens;
    }
    return {};
  }

  // [prefix tokens, patch tokens, detection tokens] with position embeddings added (and
  // CLIP's pre-norm applied).
  Matrix embed(const Tensor& pixels, int grid_h, int grid_w) const {
    const int prefix = config().num_prefix_tokens;
    Matrix patches = cpu::linear(flatten_patches(pixels, grid_h, grid_w), weights().patch_embed);
    Matrix x(prefix + patches.rows + config().num_detection_tokens, config().hidden_size);
    std::copy(weights().prefix_tokens.data.begin(), weights().prefix_tokens.data.end(), x.data.begin());
    std::copy(patches.data.begin(), patches.data.end(), x.row(prefix));
    std::copy(weights().suffix_tokens.data.begin(), weights().suffix_tokens.data.end(), x.row(prefix + patches.rows));
    add_positions(x, weights().pos_embed, grid_h, grid_w);
    if (weights().pre_norm) x = cpu::layer_norm(x, *weights().pre_norm, config().layer_norm_eps);
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
    const int channels = config().num_channels;
    const int64_t height = pixels.dim(1), width = pixels.dim(2);
    Matrix patches(grid_h * grid_w, channels * p * p);
    for (int gy = 0; gy < grid_h; ++gy)
      for (int gx = 0; gx < grid_w; ++gx) {
        double* out = patches.row(gy * grid_w + gx);
        for (int c = 0; c < channels; ++c)
          for (int ky = 0; ky < p; ++ky) {
            const float* src = pixels.ptr() + (c * height + gy * p + ky) * width + gx * p;
            for (int kx = 0; kx < p; ++kx) *out++ = src[kx];
          }
      }
    return patches;
  }

  void encoder_layer(Matrix& x, const EncoderLayerWeights& layer, const std::vector<int>& queries,
                     float* probabilities) const {
    const double eps = config().layer_norm_eps;
    const Matrix qkv = cpu::linear(cpu::layer_norm(x, layer.norm1, eps), layer.qkv);
    const Matrix context = cpu::self_attention(qkv, config().num_heads, queries, probabilities);
    add_in_place(x, cpu::linear(context, layer.proj));

    Matrix hidden = cpu::linear(cpu::layer_norm(x, layer.norm2, eps), layer.fc1);
    if (config().mlp == MlpKind::SwiGlu)
      hidden = cpu::swiglu(hidden);
    else
      cpu::activate(config().activation, hidden);
    add_in_place(x, cpu::linear(hidden, layer.fc2));
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

std::unique_ptr<ForwardBackend> make_cpu_backend(std::shared_ptr<const Model> model) {
  return std::make_unique<CpuBackend>(std::move(model));
}

}  // namespace vitlens
