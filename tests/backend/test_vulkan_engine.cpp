// The Vulkan engine against the CPU reference, for both kernel families, on random models
// whose shapes exercise the graph: padding, head chunks, pooling modes, several heads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "support/random_model.hpp"
#include "support/vulkan_device.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/util/error.hpp"
#include "support/tensor_compare.hpp"

using namespace vitlens;
using vitlens::test::max_abs_diff;
using test::random_pixels;
using test::first_vulkan_device;
using test::random_vit;
using test::RandomVitSpec;

namespace {

float max_row_sum_error(const Tensor& attention) {
  const auto T = attention.dim(-1);
  float worst = 0;
  for (size_t r = 0; r < attention.data.size() / T; ++r) {
    double s = 0;
    for (int64_t j = 0; j < T; ++j) s += attention.data[r * T + j];
    worst = std::max(worst, static_cast<float>(std::abs(s - 1.0)));
  }
  return worst;
}

struct Families {
  KernelFamily family;
  const char* name;
};
const Families kFamilies[] = {{KernelFamily::Texel, "texel"}, {KernelFamily::Tiled, "tiled"}};

void compare_with_reference(const std::shared_ptr<Model>& model, const Tensor& pixels, float logit_tol) {
  const auto device = first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  const ForwardOutput expected = make_reference_backend(model)->forward(pixels, AttentionRequest::all());
  for (const auto& f : kFamilies) {
    SECTION(f.name) {
      auto backend = make_backend(model, *device, {f.family});
      const ForwardOutput got = backend->forward(pixels, AttentionRequest::all());
      if (model->has_classifier()) CHECK(max_abs_diff(got.logits, expected.logits) <= logit_tol);
      CHECK(max_abs_diff(got.hidden_state, expected.hidden_state) <= 1e-3f);
      CHECK(max_abs_diff(got.attention, expected.attention) <= 1e-5f);
      CHECK(max_row_sum_error(got.attention) <= 1e-5f);
    }
  }
}

}  // namespace

TEST_CASE("the Vulkan engine matches the CPU reference on a small ViT at its training size", "[vulkan]") {
  compare_with_reference(random_vit({}), random_pixels(32, 32), 1e-4f);
}

TEST_CASE("the Vulkan engine matches the CPU reference on a non-square input with odd token counts", "[vulkan]") {
  RandomVitSpec spec;
  spec.hidden = 48;
  spec.heads = 3;
  spec.mlp = 100;  // not a multiple of 4: padded K
  spec.classes = 7;
  compare_with_reference(random_vit(spec), random_pixels(24, 56), 1e-4f);
}

TEST_CASE("the Vulkan engine averages DeiT's two heads like the CPU reference", "[vulkan]") {
  RandomVitSpec spec;
  spec.prefix = 2;
  spec.activation = Activation::GeluTanh;
  compare_with_reference(random_vit(spec), random_pixels(32, 40), 1e-4f);
}

TEST_CASE("the Vulkan engine mean-pools patch tokens through fc_norm like the CPU reference", "[vulkan]") {
  RandomVitSpec spec;
  spec.pooling = Pooling::Mean;
  spec.fc_norm = true;
  spec.activation = Activation::QuickGelu;
  compare_with_reference(random_vit(spec), random_pixels(32, 32), 1e-4f);
}

TEST_CASE("the Vulkan engine matches the CPU reference on a full ViT-B/16 at 224", "[vulkan][slow]") {
  RandomVitSpec spec;
  spec.hidden = 768;
  spec.layers = 12;
  spec.heads = 12;
  spec.mlp = 3072;
  spec.patch = 16;
  spec.image = 224;
  spec.classes = 1000;
  compare_with_reference(random_vit(spec), random_pixels(224, 224), 1e-3f);
}

TEST_CASE("selected attention rows equal those rows of the full attention and leave logits unchanged", "[vulkan]") {
  const auto device = first_vulkan_device();
  if (!device) return;
  const auto model = random_vit({});
  auto backend = make_backend(model, *device);
  const Tensor pixels = random_pixels(32, 32);
  const ForwardOutput none = backend->forward(pixels, AttentionRequest::none());
  const ForwardOutput all = backend->forward(pixels, AttentionRequest::all());
  const ForwardOutput some = backend->forward(pixels, AttentionRequest::selected({3, 0}));
  CHECK(none.attention.empty());
  CHECK(max_abs_diff(none.logits, all.logits) == 0.0f);
  CHECK(max_abs_diff(none.logits, some.logits) == 0.0f);
  REQUIRE(some.attention.shape == std::vector<int64_t>{2, 4, 2, 17});
  CHECK(some.attention_queries == std::vector<int>{3, 0});
  const int64_t T = 17;
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t h = 0; h < 4; ++h)
      for (int q = 0; q < 2; ++q)
        for (int64_t j = 0; j < T; ++j)
          CHECK(some.attention.data[((l * 4 + h) * 2 + q) * T + j] ==
                all.attention.data[((l * 4 + h) * T + some.attention_queries[q]) * T + j]);
}

TEST_CASE("a recorded graph gives the same answer when re-submitted and across input sizes", "[vulkan]") {
  const auto device = first_vulkan_device();
  if (!device) return;
  auto backend = make_backend(random_vit({}), *device);
  const ForwardOutput a = backend->forward(random_pixels(32, 32, 1), {});
  const ForwardOutput b = backend->forward(random_pixels(48, 16, 2), {});
  const ForwardOutput c = backend->forward(random_pixels(32, 32, 1), {});
  CHECK(max_abs_diff(a.logits, c.logits) == 0.0f);
  CHECK(b.hidden_state.dim(0) == 1 + 6 * 2);
}

TEST_CASE("the Vulkan engine rejects inputs that are not whole patches and out-of-range query tokens", "[vulkan]") {
  const auto device = first_vulkan_device();
  if (!device) return;
  auto backend = make_backend(random_vit({}), *device);
  CHECK_THROWS_AS(backend->forward(random_pixels(30, 32), {}), Error);
  CHECK_THROWS_AS(backend->forward(random_pixels(4, 32), {}), Error);
  CHECK_THROWS_AS(backend->forward(Tensor({1, 32, 32}), {}), Error);
  CHECK_THROWS_AS(backend->forward(random_pixels(32, 32), AttentionRequest::selected({17})), Error);
}

