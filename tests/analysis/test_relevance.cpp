// Gradient-based explanations: the backward pass of every backend (the CPU reference, the
// oneDNN CPU backend and both Vulkan kernel families) against PyTorch autograd (tools/make_relevance_fixtures.py)
// and against finite differences, and the relevance and Grad-CAM maps built on it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "support/vulkan_device.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";

struct Case {
  std::string name;
  std::string model;
};

const std::vector<Case> kCases{{"hf_vit", "hf_vit"}, {"hf_deit_distilled", "hf_deit_distilled"}, {"timm_vit_f16", "timm_vit_f16/model.safetensors"}};

std::shared_ptr<const Model> load(const std::string& model) {
  return std::make_shared<const Model>(load_model((kFixtures / model).string()));
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (float v : t.data) m = std::max(m, std::abs(double{v}));
  return m;
}

// Largest difference relative to the expected tensor's largest magnitude.
double relative_difference(const Tensor& actual, const Tensor& expected) {
  REQUIRE(actual.numel() == expected.numel());
  double worst = 0;
  for (size_t i = 0; i < actual.data.size(); ++i) worst = std::max(worst, std::abs(double{actual.data[i]} - expected.data[i]));
  return worst / std::max(max_abs(expected), 1e-30);
}

TokenLayout layout_for(const Model& model, const Tensor& pixels) {
  return token_layout(model.config, static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2)));
}

struct Explainer {
  std::string name;
  std::unique_ptr<ForwardBackend> backend;
};

// Every backend that explains: the reference, the CPU backend, both Vulkan kernel families.
std::vector<Explainer> explainers(std::shared_ptr<const Model> model) {
  std::vector<Explainer> all;
  all.push_back({"reference", make_reference_backend(model)});
  all.push_back({"cpu", make_cpu_backend(model)});
  if (const auto device = vitlens::test::first_vulkan_device()) {
    all.push_back({"Vulkan texel", make_backend(model, *device, {KernelFamily::Texel})});
    all.push_back({"Vulkan tiled", make_backend(model, *device, {KernelFamily::Tiled})});
  } else {
    WARN("no Vulkan device: the Vulkan backward pass is not tested");
  }
  return all;
}

}  // namespace

TEST_CASE("every backend's gradients with respect to attention and pixels match PyTorch autograd", "[relevance]") {
  for (const Case& c : kCases) {
    const auto fixture = TensorStore::open_file((kFixtures / "relevance" / (c.name + ".safetensors")).string());
    const Tensor pixels = fixture.read("pixel_values");
    const int target = static_cast<int>(fixture.read("target").data[0]);
    for (Explainer& x : explainers(load(c.model))) {
      DYNAMIC_SECTION(c.name << " on " << x.name) {
        const Explanation e = x.backend->explain(pixels, {target, -1});
        CHECK(relative_difference(e.attention_grad, fixture.read("attention_grad")) < 1e-5);
        CHECK(relative_difference(e.pixel_grad, fixture.read("pixel_grad")) < 1e-5);
      }
    }
  }
}

TEST_CASE("every backend's relevance and Grad-CAM maps match the PyTorch references after max-normalisation", "[relevance]") {
  for (const Case& c : kCases) {
    const auto model = load(c.model);
    const auto fixture = TensorStore::open_file((kFixtures / "relevance" / (c.name + ".safetensors")).string());
    const Tensor pixels = fixture.read("pixel_values");
    const TokenLayout layout = layout_for(*model, pixels);
    for (Explainer& x : explainers(model)) {
      DYNAMIC_SECTION(c.name << " on " << x.name) {
        const Explanation e = x.backend->explain(pixels, {static_cast<int>(fixture.read("target").data[0]), -1});
        const AttentionMaps relevance = relevance_maps(e, layout, QueryToken{});
        CHECK(relevance.method == "relevance");
        CHECK(relevance.layers == std::vector<int>{model->config.num_layers - 1});
        CHECK(relative_difference(relevance.values, fixture.read("relevance")) < 1e-4);
        CHECK(relative_difference(gradcam_maps(e, layout, QueryToken{}).values, fixture.read("gradcam")) < 1e-4);
      }
    }
  }
}

TEST_CASE("the backward pass agrees with finite differences of the forward pass, for a class and a detection", "[relevance]") {
  struct Check {
    std::string model;
    LogitTarget target;
  };
  for (const Check& c : {Check{"hf_vit", {3, -1}}, Check{"yolos/yolos_mid", {2, 5}}}) {
    DYNAMIC_SECTION(c.model) {
      const auto model = load(c.model);
      const int side = 2 * model->config.patch_size;
      Tensor pixels({3, side, side});
      for (size_t i = 0; i < pixels.data.size(); ++i) pixels.data[i] = static_cast<float>(std::sin(0.37 * i));
      auto backend = make_reference_backend(model);
      const Explanation e = backend->explain(pixels, c.target);
      const auto logit = [&](const Tensor& x) {
        const ForwardOutput out = backend->forward(x, AttentionRequest::none());
        return c.target.detection_token < 0 ? double{out.logits.data[static_cast<size_t>(c.target.class_index)]}
                                            : double{out.detection_logits.data[static_cast<size_t>(c.target.detection_token * out.detection_logits.dim(1) + c.target.class_index)]};
      };
      const double scale = std::max(max_abs(e.pixel_grad), 1e-12);
      for (size_t i : {size_t{0}, pixels.data.size() / 3 + 5, pixels.data.size() - 1}) {
        constexpr float kStep = 1e-2f;
        Tensor up = pixels, down = pixels;
        up.data[i] += kStep;
        down.data[i] -= kStep;
        const double numeric = (logit(up) - logit(down)) / (2 * kStep);
        INFO("pixel " << i << ": analytic " << e.pixel_grad.data[i] << ", numeric " << numeric);
        CHECK(std::abs(numeric - e.pixel_grad.data[i]) < 2e-3 * scale);
      }
    }
  }
}

TEST_CASE("explanations refuse what the model cannot explain", "[relevance]") {
  Tensor pixels({3, 32, 32});
  for (Explainer& x : explainers(load("hf_dino")))
    CHECK_THROWS_WITH(x.backend->explain(pixels, {}), Contains("no classifier, so it has no class to explain"));
  for (Explainer& x : explainers(load("hf_vit")))
    CHECK_THROWS_WITH(x.backend->explain(pixels, {99, -1}), Contains("class 99 is out of range"));
}

// CLIP's towers have no classifier; a linear probe on the pooled feature makes one, so its
// pre-norm and QuickGELU are explained too.
std::shared_ptr<const Model> with_linear_probe(Model model) {
  model.weights.projection.reset();
  model.config.projection_size = 0;
  model.config.num_classes = 3;
  Linear head;
  head.weight = Tensor({3, model.config.hidden_size});
  for (size_t i = 0; i < head.weight.data.size(); ++i) head.weight.data[i] = static_cast<float>(std::cos(1.3 * i));
  head.bias = Tensor({3});
  model.weights.heads = {head};
  return std::make_shared<const Model>(std::move(model));
}

TEST_CASE("the float backward passes explain every model family as the reference does", "[relevance]") {
  struct Family {
    std::string model;
    LogitTarget target;
  };
  const Family families[] = {
      {"families/hf_beit", {1, -1}},              // relative position bias, LayerScale, mean pooling
      {"families/timm_beit_shared/model.safetensors", {2, -1}},  // one bias table shared by the layers
      {"families/hf_dinov2_reg_swiglu", {4, -1}}, // registers, SwiGLU, [CLS, patch mean] classifier
      {"families/timm_deit3/model.safetensors", {0, -1}},  // prefix tokens without positions
      {"families/hf_clip", {2, -1}},              // pre-norm, QuickGELU (with a linear probe)
      {"yolos/yolos_mid", {1, 3}},                // a detection's class logit; mid-position tables
  };
  for (const Family& f : families) {
    std::shared_ptr<const Model> model = load(f.model);
    if (!model->has_classifier() && !model->has_detector()) model = with_linear_probe(*model);
    const int p = model->config.patch_size;
    Tensor pixels({3, 2 * p, 3 * p});
    for (size_t i = 0; i < pixels.data.size(); ++i) pixels.data[i] = static_cast<float>(std::sin(0.29 * i));
    const Explanation expected = make_reference_backend(model)->explain(pixels, f.target);
    for (Explainer& x : explainers(model)) {
      if (x.name == "reference") continue;
      DYNAMIC_SECTION(f.model << " on " << x.name) {
        const Explanation e = x.backend->explain(pixels, f.target);
        CHECK(relative_difference(e.attention, expected.attention) < 1e-5);
        CHECK(relative_difference(e.attention_grad, expected.attention_grad) < 1e-5);
        CHECK(relative_difference(e.last_norm1, expected.last_norm1) < 1e-5);
        CHECK(relative_difference(e.last_norm1_grad, expected.last_norm1_grad) < 1e-5);
        CHECK(relative_difference(e.pixel_grad, expected.pixel_grad) < 1e-5);
        const ForwardOutput plain = x.backend->forward(pixels, AttentionRequest::none());
        const bool detector = model->has_detector();
        CHECK(relative_difference(detector ? e.output.detection_logits : e.output.logits,
                                  detector ? plain.detection_logits : plain.logits) < 1e-5);
      }
    }
  }
}
