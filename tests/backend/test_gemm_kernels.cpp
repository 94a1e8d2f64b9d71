// The engine's GEMM kernels against a double-precision product on the host, for every
// variant a device can get: the texel family with and without lanes sharing their reads of
// X, with row-major and interleaved weights, and the tiled family. The shapes leave ragged
// tiles in M, N and K, strided and offset operands, and batches.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "backend/vulkan/buffer.hpp"
#include "backend/vulkan/context.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "backend/vulkan/weight_layout.hpp"
#include "support/vulkan_device.hpp"

using namespace vitlens;

namespace {

struct Shape {
  uint32_t M, N, K, batch;
};

struct Variant {
  const char* name;
  KernelFamily family;
  bool share_x_reads;
};

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

// Runs Y = gelu(alpha (X W^T + b)) + R on the device and returns the largest error against
// the host product.
double max_gemm_error(const std::shared_ptr<vk::Context>& ctx, const vk::Kernels& kernels, const Shape& s,
                      bool interleaved) {
  std::mt19937 rng(s.M * 131 + s.N * 7 + s.K);
  const uint32_t k_padded = (s.K + 3) / 4 * 4, x_ld = k_padded + 4, x_offset = 8;
  const vk::WeightLayout layout{s.N, s.K, k_padded, interleaved ? kernels.weight_interleave() : 0};
  const size_t x_batch = size_t{s.M} * x_ld, w_batch = layout.floats(), y_batch = size_t{s.M} * s.N;
  const std::vector<float> x = random_floats(x_offset + x_batch * s.batch, rng);
  const std::vector<float> w = random_floats(size_t{s.N} * s.K * s.batch, rng);  // [batch][N][K]
  const std::vector<float> bias = random_floats(size_t{s.N} * s.batch, rng);
  const std::vector<float> residual = random_floats(y_batch * s.batch, rng);
  std::vector<float> w_device;
  for (uint32_t z = 0; z < s.batch; ++z) {
    const std::vector<float> one = layout.arrange(w.data() + size_t{z} * s.N * s.K);
    w_device.insert(w_device.end(), one.begin(), one.end());
  }

  vk::Arena arena;
  const auto ids = std::vector{arena.reserve_floats(x.size()), arena.reserve_floats(w_device.size()),
                               arena.reserve_floats(bias.size()), arena.reserve_floats(residual.size()),
                               arena.reserve_floats(y_batch * s.batch)};
  arena.allocate(ctx, vk::MemoryUse::Readback);
  vk::Uploader up(ctx, arena.buffer());
  up.write(arena[ids[0]], x.data(), x.size() * 4);
  up.write(arena[ids[1]], w_device.data(), w_device.size() * 4);
  up.write(arena[ids[2]], bias.data(), bias.size() * 4);
  up.write(arena[ids[3]], residual.data(), residual.size() * 4);
  up.flush();

  vk::GemmArgs g;
  g.M = s.M;
  g.N = s.N;
  g.K = k_padded;  // X's padding columns meet W's zero padding
  g.batch = s.batch;
  g.x = {arena[ids[0]], x_offset, x_ld, static_cast<uint32_t>(x_batch)};
  g.w = {arena[ids[1]], 0, k_padded, static_cast<uint32_t>(w_batch), layout.interleave};
  g.y = {arena[ids[4]], 0, s.N, static_cast<uint32_t>(y_batch)};
  g.bias = arena[ids[2]];
  g.bias_batch = s.N;
  g.residual = arena[ids[3]];
  g.alpha = 0.5f;
  g.activation = vk::kActGeluErf;
  vk::Recording rec(ctx, false);
  kernels.gemm(rec, g);
  rec.finish();
  rec.submit();

  const float* y = arena[ids[4]].host();
  double worst = 0;
  for (uint32_t z = 0; z < s.batch; ++z)
    for (uint32_t m = 0; m < s.M; ++m)
      for (uint32_t n = 0; n < s.N; ++n) {
        double dot = 0;
        for (uint32_t k = 0; k < s.K; ++k)
          dot += double{x[x_offset + z * x_batch + size_t{m} * x_ld + k]} * w[(size_t{z} * s.N + n) * s.K + k];
        const size_t at = z * y_batch + size_t{m} * s.N + n;
        const double expected = gelu(0.5 * (dot + bias[z * s.N + n])) + residual[at];
        worst = std::max(worst, std::abs(expected - y[at]));
      }
  return worst;
}

}  // namespace

TEST_CASE("every GEMM kernel variant computes gelu(alpha (X W^T + b)) + R on ragged shapes", "[vulkan][gemm]") {
  const auto device = test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  auto ctx = vk::Context::create(device->index);
  const Variant variants[] = {{"texel, shared X reads", KernelFamily::Texel, true},
                              {"texel, every lane reads X", KernelFamily::Texel, false},
                              {"tiled", KernelFamily::Tiled, true}};
  const Shape shapes[] = {{1, 1, 3, 1}, {17, 70, 36, 1}, {45, 133, 101, 1}, {20, 9, 8, 3}};
  for (const Variant& v : variants) {
    const vk::Kernels kernels(ctx, v.family, v.share_x_reads);
    for (const Shape& s : shapes)
      for (const bool interleaved : {false, true}) {
        if (interleaved && (!kernels.weight_interleave() || s.batch > 1)) continue;
        INFO(v.name << (interleaved ? ", interleaved W" : ", row-major W") << ": M=" << s.M << " N=" << s.N
                    << " K=" << s.K << " batch=" << s.batch);
        CHECK(max_gemm_error(ctx, kernels, s, interleaved) <= 1e-4);
      }
  }
}
