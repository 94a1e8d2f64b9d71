#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <random>

#include "vitlens/backend/forward.hpp"
#include "vitlens/util/error.hpp"

using vitlens::AttentionRequest;
using vitlens::ForwardOutput;
using vitlens::Model;
using vitlens::Tensor;

namespace {

// A model small enough to check by hand: D = 8, two heads, patch 2, a 2x3 training grid.
struct TinySpec {
  int layers = 2;
  int prefix = 1;
  int heads = 1;  // classifier heads
  vitlens::Pooling pooling = vitlens::Pooling::Token;
  bool pos_embed_has_prefix = true;
  bool final_norm = true;
  bool fc_norm = false;
};

Tensor random_tensor(std::vector<int64_t> shape, std::mt19937& rng, float scale = 0.5f) {
  Tensor t(std::move(shape));
  std::normal_distribution<float> normal(0.0f, scale);
  for (float& v : t.data) v = normal(rng);
  return t;
}

vitlens::Linear random_linear(int out, int in, std::mt19937& rng) {
  return {random_tensor({out, in}, rng), random_tensor({out}, rng, 0.1f)};
}

vitlens::LayerNormWeights random_norm(int width, std::mt19937& rng) {
  vitlens::LayerNormWeights norm{random_tensor({width}, rng, 0.1f), random_tensor({width}, rng, 0.1f)};
  for (float& w : norm.weight.data) w += 1.0f;
  return norm;
}

std::shared_ptr<Model> tiny_model(const TinySpec& spec = {}) {
  std::mt19937 rng(42);
  auto model = std::make_shared<Model>();
  vitlens::VitConfig& c = model->config;
  c.hidden_size = 8;
  c.num_layers = spec.layers;
  c.num_heads = 2;
  c.mlp_size = 16;
  c.patch_size = 2;
  c.num_channels = 3;
  c.image_height = 4;
  c.image_width = 6;
  c.num_prefix_tokens = spec.prefix;
  c.pos_embed_has_prefix = spec.pos_embed_has_prefix;
  c.layer_norm_eps = 1e-6;
  c.pooling = spec.pooling;
  c.num_classes = 5;

  vitlens::VitWeights& w = model->weights;
  w.patch_embed = random_linear(8, 3 * 2 * 2, rng);
  w.prefix_tokens = random_tensor({spec.prefix, 8}, rng);
  w.pos_embed = random_tensor({(spec.pos_embed_has_prefix ? spec.prefix : 0) + 2 * 3, 8}, rng);
  for (int l = 0; l < spec.layers; ++l)
    w.layers.push_back({random_norm(8, rng), random_linear(24, 8, rng), random_linear(8, 8, rng), random_norm(8, rng),
                        random_linear(16, 8, rng), random_linear(8, 16, rng)});
  if (spec.final_norm) w.final_norm = random_norm(8, rng);
  if (spec.fc_norm) w.fc_norm = random_norm(8, rng);
  for (int h = 0; h < spec.heads; ++h) w.heads.push_back(random_linear(5, 8, rng));
  return model;
}

Tensor random_pixels(int height, int width, unsigned seed = 7) {
  std::mt19937 rng(seed);
  return random_tensor({3, height, width}, rng, 1.0f);
}

ForwardOutput run(const std::shared_ptr<Model>& model, const Tensor& pixels, const AttentionRequest& request = {}) {
  return vitlens::make_reference_backend(model)->forward(pixels, request);
}

float attention_at(const ForwardOutput& out, int64_t layer, int64_t head, int64_t query, int64_t key) {
  const auto& s = out.attention.shape;
  return out.attention.data[static_cast<size_t>(((layer * s[1] + head) * s[2] + query) * s[3] + key)];
}

// What a head computes from a pooled feature: optional layer norm, then the linear layer.
std::vector<double> head_logits(const Model& model, std::vector<double> feature, const vitlens::Linear& head) {
  if (model.weights.fc_norm) {
    double mean = 0, variance = 0;
    for (double v : feature) mean += v / feature.size();
    for (double v : feature) variance += (v - mean) * (v - mean) / feature.size();
    for (size_t i = 0; i < feature.size(); ++i)
      feature[i] = (feature[i] - mean) / std::sqrt(variance + model.config.layer_norm_eps) *
                       model.weights.fc_norm->weight.data[i] +
                   model.weights.fc_norm->bias.data[i];
  }
  std::vector<double> logits(static_cast<size_t>(head.weight.dim(0)));
  for (size_t o = 0; o < logits.size(); ++o) {
    logits[o] = head.bias.data[o];
    for (size_t i = 0; i < feature.size(); ++i) logits[o] += head.weight.data[o * feature.size() + i] * feature[i];
  }
  return logits;
}

std::vector<double> hidden_row(const ForwardOutput& out, int64_t token) {
  const int64_t width = out.hidden_state.dim(1);
  const float* row = out.hidden_state.ptr() + token * width;
  return {row, row + width};
}

}  // namespace

TEST_CASE("the reference backend names itself the CPU reference", "[reference]") {
  CHECK(vitlens::make_reference_backend(tiny_model())->device_name() == "reference (C++, double accumulation)");
}

TEST_CASE("zero query and key weights give uniform attention of 1/T", "[reference]") {
  auto model = tiny_model();
  for (auto& layer : model->weights.layers)
    for (size_t i = 0; i < 16 * 8; ++i) layer.qkv.weight.data[i] = 0.0f;  // q and k rows
  for (auto& layer : model->weights.layers)
    for (size_t i = 0; i < 16; ++i) layer.qkv.bias.data[i] = 0.0f;

  const ForwardOutput out = run(model, random_pixels(4, 6), AttentionRequest::all());
  const int tokens = 1 + 2 * 3;
  REQUIRE(out.attention.shape == std::vector<int64_t>{2, 2, tokens, tokens});
  for (float p : out.attention.data) CHECK(p == Approx(1.0 / tokens).margin(1e-7));
}

TEST_CASE("every attention row sums to one, at the training grid and at another grid", "[reference]") {
  auto model = tiny_model();
  for (auto [height, width] : {std::pair{4, 6}, std::pair{8, 4}}) {
    const ForwardOutput out = run(model, random_pixels(height, width), AttentionRequest::all());
    const int64_t tokens = 1 + (height / 2) * (width / 2);
    REQUIRE(out.attention.shape == std::vector<int64_t>{2, 2, tokens, tokens});
    REQUIRE(out.hidden_state.shape == std::vector<int64_t>{tokens, 8});
    REQUIRE(out.attention_queries.size() == static_cast<size_t>(tokens));
    for (int64_t l = 0; l < 2; ++l)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t q = 0; q < tokens; ++q) {
          double sum = 0;
          for (int64_t k = 0; k < tokens; ++k) sum += attention_at(out, l, h, q, k);
          CHECK(sum == Approx(1.0).margin(1e-6));
        }
  }
}

TEST_CASE("selected attention rows equal the matching rows of full attention, in request order", "[reference]") {
  auto model = tiny_model();
  const Tensor pixels = random_pixels(4, 6);
  const ForwardOutput full = run(model, pixels, AttentionRequest::all());
  const std::vector<int> wanted{5, 0, 5, 2};
  const ForwardOutput some = run(model, pixels, AttentionRequest::selected(wanted));

  REQUIRE(some.attention.shape == std::vector<int64_t>{2, 2, 4, 7});
  CHECK(some.attention_queries == wanted);
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t q = 0; q < 4; ++q)
        for (int64_t k = 0; k < 7; ++k)
          CHECK(attention_at(some, l, h, q, k) == attention_at(full, l, h, wanted[static_cast<size_t>(q)], k));
}

TEST_CASE("requesting attention does not change the logits or the hidden state", "[reference]") {
  auto model = tiny_model();
  const Tensor pixels = random_pixels(4, 6);
  const ForwardOutput plain = run(model, pixels);
  const ForwardOutput with_attention = run(model, pixels, AttentionRequest::all());
  CHECK(plain.attention.empty());
  CHECK(plain.attention_queries.empty());
  REQUIRE(plain.logits.shape == std::vector<int64_t>{5});
  CHECK(plain.logits.data == with_attention.logits.data);
  CHECK(plain.hidden_state.data == with_attention.hidden_state.data);
}

TEST_CASE("mean pooling averages the patch tokens only, then applies fc_norm", "[reference]") {
  TinySpec spec;
  spec.prefix = 2;
  spec.pooling = vitlens::Pooling::Mean;
  spec.final_norm = false;
  spec.fc_norm = true;
  auto model = tiny_model(spec);
  const ForwardOutput out = run(model, random_pixels(4, 6));

  std::vector<double> mean(8, 0.0);
  for (int64_t t = 2; t < 8; ++t)
    for (size_t c = 0; c < 8; ++c) mean[c] += hidden_row(out, t)[c] / 6.0;
  const std::vector<double> expected = head_logits(*model, mean, model->weights.heads[0]);
  for (size_t c = 0; c < 5; ++c) CHECK(out.logits.data[c] == Approx(expected[c]).margin(1e-5));
}

TEST_CASE("two classifier heads read tokens 0 and 1 and their logits are averaged", "[reference]") {
  TinySpec spec;
  spec.prefix = 2;
  spec.heads = 2;
  auto model = tiny_model(spec);
  const ForwardOutput out = run(model, random_pixels(4, 6));

  const std::vector<double> cls = head_logits(*model, hidden_row(out, 0), model->weights.heads[0]);
  const std::vector<double> dist = head_logits(*model, hidden_row(out, 1), model->weights.heads[1]);
  for (size_t c = 0; c < 5; ++c) CHECK(out.logits.data[c] == Approx((cls[c] + dist[c]) / 2).margin(1e-5));
}

TEST_CASE("patch embedding flattens each patch in (channel, row, column) order", "[reference]") {
  TinySpec spec;
  spec.layers = 0;
  spec.final_norm = false;
  auto model = tiny_model(spec);
  // An 8-wide embedding that copies the first 8 of the 12 patch values, with no position term.
  auto& embed = model->weights.patch_embed;
  std::fill(embed.weight.data.begin(), embed.weight.data.end(), 0.0f);
  std::fill(embed.bias.data.begin(), embed.bias.data.end(), 0.0f);
  for (size_t i = 0; i < 8; ++i) embed.weight.data[i * 12 + i] = 1.0f;
  std::fill(model->weights.pos_embed.data.begin(), model->weights.pos_embed.data.end(), 0.0f);

  Tensor pixels({3, 4, 6});
  for (size_t i = 0; i < pixels.data.size(); ++i) pixels.data[i] = static_cast<float>(i);
  const ForwardOutput out = run(model, pixels);

  // Patch (row 1, column 2) starts at pixel (y 2, x 4); its values are channel 0 rows 2-3, then channel 1.
  const std::vector<double> patch = hidden_row(out, 1 + 1 * 3 + 2);
  const std::vector<double> expected{2 * 6 + 4, 2 * 6 + 5, 3 * 6 + 4, 3 * 6 + 5,
                                     24 + 2 * 6 + 4, 24 + 2 * 6 + 5, 24 + 3 * 6 + 4, 24 + 3 * 6 + 5};
  CHECK(patch == expected);
}

TEST_CASE("without prefix rows in the position table the prefix tokens get no position embedding", "[reference]") {
  TinySpec spec;
  spec.layers = 0;
  spec.final_norm = false;
  spec.pos_embed_has_prefix = false;
  auto model = tiny_model(spec);
  const ForwardOutput out = run(model, random_pixels(4, 6));
  const std::vector<double> cls = hidden_row(out, 0);
  for (size_t c = 0; c < 8; ++c) CHECK(cls[c] == model->weights.prefix_tokens.data[c]);
}

TEST_CASE("with prefix rows in the position table the CLS token gets the first row", "[reference]") {
  TinySpec spec;
  spec.layers = 0;
  spec.final_norm = false;
  auto model = tiny_model(spec);
  const ForwardOutput out = run(model, random_pixels(8, 8));
  const std::vector<double> cls = hidden_row(out, 0);
  for (size_t c = 0; c < 8; ++c)
    CHECK(cls[c] == Approx(model->weights.prefix_tokens.data[c] + model->weights.pos_embed.data[c]).margin(1e-6));
}

TEST_CASE("a pixel tensor of the wrong shape is rejected with an error", "[reference]") {
  auto backend = vitlens::make_reference_backend(tiny_model());
  CHECK_THROWS_AS(backend->forward(Tensor({4, 4, 6}), {}), vitlens::Error);  // four channels
  CHECK_THROWS_AS(backend->forward(Tensor({3, 5, 6}), {}), vitlens::Error);  // not a multiple of the patch
  CHECK_THROWS_AS(backend->forward(Tensor({3, 0, 6}), {}), vitlens::Error);  // no patch at all
  CHECK_THROWS_AS(backend->forward(Tensor({4, 6}), {}), vitlens::Error);     // no channel axis
}

TEST_CASE("attention requested for a token that does not exist is rejected with an error", "[reference]") {
  auto backend = vitlens::make_reference_backend(tiny_model());
  CHECK_THROWS_AS(backend->forward(random_pixels(4, 6), AttentionRequest::selected({7})), vitlens::Error);
  CHECK_THROWS_AS(backend->forward(random_pixels(4, 6), AttentionRequest::selected({-1})), vitlens::Error);
}

TEST_CASE("a model whose weights do not fit its config is refused by the CPU backend", "[reference]") {
  auto model = tiny_model();
  model->weights.layers[1].fc1.weight = Tensor({15, 8});
  CHECK_THROWS_AS(vitlens::make_reference_backend(model), vitlens::Error);
}

TEST_CASE("all attention rows of an image too large to hold them are refused with an error", "[reference]") {
  TinySpec spec;
  spec.layers = 1;
  auto backend = vitlens::make_reference_backend(tiny_model(spec));
  const Tensor huge({3, 2 * 200, 2 * 200});  // 40001 tokens: 2 x 40001² attention values
  CHECK_THROWS_AS(backend->forward(huge, AttentionRequest::all()), vitlens::Error);
}
