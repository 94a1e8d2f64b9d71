// The CPU backend (oneDNN, float32) against the double-precision reference on random models
// whose shapes exercise it: odd token counts, both pooling modes, DeiT's two heads, every
// activation, a full ViT-B/16, and inputs long enough that attention runs in several blocks
// of query rows. The golden tests (test_golden.cpp, test_yolos.cpp) hold it to PyTorch.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "support/random_model.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/util/error.hpp"
#include "support/tensor_compare.hpp"

using namespace vitlens;
using vitlens::test::max_abs_diff;
using test::random_pixels;
using test::random_vit;
using test::RandomVitSpec;

namespace {

void compare_with_reference(const std::shared_ptr<Model>& model, const Tensor& pixels, float logit_tol,
                            const AttentionRequest& request = AttentionRequest::all()) {
  const ForwardOutput expected = make_reference_backend(model)->forward(pixels, request);
  const ForwardOutput got = make_cpu_backend(model)->forward(pixels, request);
  if (model->has_classifier()) CHECK(max_abs_diff(got.logits, expected.logits) <= logit_tol);
  CHECK(max_abs_diff(got.embedding, expected.embedding) <= 1e-3f);
  CHECK(max_abs_diff(got.hidden_state, expected.hidden_state) <= 1e-3f);
  CHECK(max_abs_diff(got.attention, expected.attention) <= 1e-5f);
  CHECK(got.attention_queries == expected.attention_queries);
}

}  // namespace

TEST_CASE("the CPU backend matches the CPU reference on a small ViT at its training size", "[cpu]") {
  compare_with_reference(random_vit({}), random_pixels(32, 32), 1e-4f);
}

TEST_CASE("the CPU backend matches the CPU reference on a non-square input with odd token counts", "[cpu]") {
  RandomVitSpec spec;
  spec.hidden = 48;
  spec.heads = 3;
  spec.mlp = 100;
  spec.classes = 7;
  compare_with_reference(random_vit(spec), random_pixels(24, 56), 1e-4f);
}

TEST_CASE("the CPU backend averages DeiT's two heads and runs GELU-tanh like the CPU reference", "[cpu]") {
  RandomVitSpec spec;
  spec.prefix = 2;
  spec.activation = Activation::GeluTanh;
  compare_with_reference(random_vit(spec), random_pixels(32, 40), 1e-4f);
}

TEST_CASE("the CPU backend mean-pools through fc_norm and runs QuickGELU like the CPU reference", "[cpu]") {
  RandomVitSpec spec;
  spec.pooling = Pooling::Mean;
  spec.fc_norm = true;
  spec.activation = Activation::QuickGelu;
  compare_with_reference(random_vit(spec), random_pixels(32, 32), 1e-4f);
}

TEST_CASE("attention over many tokens runs block by block and equals the reference's, rows and all", "[cpu]") {
  RandomVitSpec spec;
  spec.layers = 1;
  spec.heads = 4;
  spec.patch = 4;
  // 1 + 40 x 48 = 1,921 tokens: two blocks of query rows (4 heads x 1,921 tokens x 1,091 rows
  // fill a block's budget of 2^23 scores), the second one partial.
  const auto model = random_vit(spec);
  const Tensor pixels = random_pixels(160, 192);
  const auto request = AttentionRequest::selected({1920, 0, 1500, 0, 1090, 1091});
  compare_with_reference(model, pixels, 1e-4f, request);
  const ForwardOutput none = make_cpu_backend(model)->forward(pixels, AttentionRequest::none());
  const ForwardOutput rows = make_cpu_backend(model)->forward(pixels, request);
  CHECK(none.attention.empty());
  CHECK(max_abs_diff(none.logits, rows.logits) == 0.0f);
}

TEST_CASE("the CPU backend matches the CPU reference on a full ViT-B/16 at 224", "[cpu][slow]") {
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

TEST_CASE("selected rows on the CPU backend equal those rows of all rows and leave the logits unchanged", "[cpu]") {
  const auto model = random_vit({});
  auto backend = make_cpu_backend(model);
  const Tensor pixels = random_pixels(32, 32);
  const ForwardOutput none = backend->forward(pixels, AttentionRequest::none());
  const ForwardOutput all = backend->forward(pixels, AttentionRequest::all());
  const ForwardOutput some = backend->forward(pixels, AttentionRequest::selected({3, 0}));
  CHECK(none.attention.empty());
  CHECK(max_abs_diff(none.logits, all.logits) == 0.0f);
  CHECK(max_abs_diff(none.logits, some.logits) == 0.0f);
  REQUIRE(some.attention.shape == std::vector<int64_t>{2, 4, 2, 17});
  const int64_t T = 17;
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t h = 0; h < 4; ++h)
      for (int q = 0; q < 2; ++q)
        for (int64_t j = 0; j < T; ++j)
          CHECK(some.attention.data[((l * 4 + h) * 2 + q) * T + j] ==
                all.attention.data[((l * 4 + h) * T + some.attention_queries[q]) * T + j]);
}

TEST_CASE("the CPU backend gives the same answer again, across input sizes and thread counts", "[cpu]") {
  const auto model = random_vit({});
  auto backend = make_cpu_backend(model);
  const ForwardOutput a = backend->forward(random_pixels(32, 32, 1), {});
  const ForwardOutput b = backend->forward(random_pixels(48, 16, 2), {});
  const ForwardOutput c = backend->forward(random_pixels(32, 32, 1), {});
  CHECK(max_abs_diff(a.logits, c.logits) == 0.0f);
  CHECK(b.hidden_state.dim(0) == 1 + 6 * 2);
  const ForwardOutput one = make_cpu_backend(model, 1)->forward(random_pixels(32, 32, 1), {});
  CHECK(max_abs_diff(a.logits, one.logits) <= 1e-5f);
  CHECK(make_cpu_backend(model, 3)->device_name() == "cpu (oneDNN, 3 threads)");
}

TEST_CASE("the CPU backend flushes denormals only while it runs: the caller's float mode is as it was", "[cpu]") {
  auto backend = make_cpu_backend(random_vit({}));
  const Tensor pixels = random_pixels(32, 32);
#if defined(__SSE__)
  const unsigned before = _mm_getcsr();
#endif
  backend->forward(pixels, {});
  backend->explain(pixels, {2, -1});
#if defined(__SSE__)
  CHECK(_mm_getcsr() == before);
#endif
  volatile float smallest = std::numeric_limits<float>::min();
  CHECK(smallest / 4 > 0.0f);  // the caller still computes denormals
}

TEST_CASE("the CPU backend rejects inputs that are not whole patches and out-of-range query tokens", "[cpu]") {
  auto backend = make_cpu_backend(random_vit({}));
  CHECK_THROWS_AS(backend->forward(random_pixels(30, 32), {}), Error);
  CHECK_THROWS_AS(backend->forward(Tensor({1, 32, 32}), {}), Error);
  CHECK_THROWS_WITH(backend->forward(random_pixels(32, 32), AttentionRequest::selected({17})),
                    Catch::Contains("token 17") && Catch::Contains("only 17 tokens"));
}

TEST_CASE("a VITLENS_THREADS that is no positive number is refused by name", "[cpu]") {
  const auto model = random_vit({});
  setenv("VITLENS_THREADS", "many", 1);
  CHECK_THROWS_WITH(make_cpu_backend(model), Catch::Contains("VITLENS_THREADS") && Catch::Contains("many"));
  setenv("VITLENS_THREADS", "2", 1);
  CHECK(make_cpu_backend(model)->device_name() == "cpu (oneDNN, 2 threads)");
  unsetenv("VITLENS_THREADS");
}
