#pragma once
// Seeded random-weight ViTs built in memory, for tests that compare backends with each
// other on shapes no fixture file should carry (up to a full ViT-B/16).
#include <memory>
#include <random>

#include "vitlens/model/model.hpp"

namespace vitlens::test {

struct RandomVitSpec {
  int hidden = 64;
  int layers = 2;
  int heads = 4;
  int mlp = 128;
  int patch = 8;
  int image = 32;  // training resolution (square)
  int classes = 10;
  int prefix = 1;  // 2 for a distilled model with two heads
  Pooling pooling = Pooling::Token;
  Activation activation = Activation::GeluErf;
  bool fc_norm = false;
  unsigned seed = 1;
};

inline Tensor random_tensor(std::vector<int64_t> shape, std::mt19937& rng, float stddev) {
  Tensor t(std::move(shape));
  std::normal_distribution<float> normal(0.0f, stddev);
  for (auto& v : t.data) v = normal(rng);
  return t;
}

inline std::shared_ptr<Model> random_vit(const RandomVitSpec& s) {
  std::mt19937 rng(s.seed);
  auto linear = [&](int out, int in) {
    return Linear{random_tensor({out, in}, rng, 1.0f / std::sqrt(static_cast<float>(in))),
                  random_tensor({out}, rng, 0.02f)};
  };
  auto norm = [&](int d) {
    LayerNormWeights n{random_tensor({d}, rng, 0.1f), random_tensor({d}, rng, 0.05f)};
    for (auto& g : n.weight.data) g += 1.0f;
    return n;
  };
  auto model = std::make_shared<Model>();
  VitConfig& c = model->config;
  c.architecture = "random";
  c.format = "test";
  c.hidden_size = s.hidden;
  c.num_layers = s.layers;
  c.num_heads = s.heads;
  c.mlp_size = s.mlp;
  c.patch_size = s.patch;
  c.image_height = c.image_width = s.image;
  c.num_prefix_tokens = s.prefix;
  c.layer_norm_eps = 1e-6;
  c.activation = s.activation;
  c.pooling = s.pooling;
  c.num_classes = s.classes;
  for (int i = 0; i < s.classes; ++i) model->labels.push_back("class " + std::to_string(i));

  VitWeights& w = model->weights;
  const int D = s.hidden;
  const int grid = s.image / s.patch;
  w.patch_embed = linear(D, 3 * s.patch * s.patch);
  w.prefix_tokens = random_tensor({s.prefix, D}, rng, 0.5f);
  w.pos_embed = random_tensor({s.prefix + grid * grid, D}, rng, 0.5f);
  for (int l = 0; l < s.layers; ++l)
    w.layers.push_back({norm(D), linear(3 * D, D), linear(D, D), norm(D), linear(s.mlp, D), linear(D, s.mlp)});
  if (s.fc_norm)
    w.fc_norm = norm(D);
  else
    w.final_norm = norm(D);
  const int heads = s.pooling == Pooling::Token ? s.prefix : 1;
  for (int h = 0; h < heads && s.classes > 0; ++h) w.heads.push_back(linear(s.classes, D));
  return model;
}

inline Tensor random_pixels(int height, int width, unsigned seed = 7) {
  std::mt19937 rng(seed);
  return random_tensor({3, height, width}, rng, 1.0f);
}

}  // namespace vitlens::test
