// The fused attention kernels of both families against a double-precision softmax(Q K^T /
// sqrt(dh) + bias) V on the host, on ragged token counts (1 up to a few thousand, past any key
// block), with and without requested probability rows and BEiT's relative position bias.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "backend/vulkan/buffer.hpp"
#include "backend/vulkan/context.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "model/relative_position_bias.hpp"
#include "support/vulkan_device.hpp"

using namespace vitlens;

namespace {

struct Case {
  uint32_t tokens, heads, head_size;
};

// BEiT's relative position bias over a grid_h x grid_w grid behind CLS; an empty table: none.
struct Bias {
  std::vector<float> table;  // [relative_position_rows, heads]
  uint32_t grid_h = 0, grid_w = 0;
  double at(uint32_t heads, size_t h, size_t i, size_t j) const {
    if (table.empty()) return 0.0;
    const int row = relative_position_row(static_cast<int>(i), static_cast<int>(j), static_cast<int>(grid_h), static_cast<int>(grid_w));
    return table[static_cast<size_t>(row) * heads + h];
  }
};

struct Reference {
  std::vector<double> out;          // [tokens, heads * dh]
  std::vector<double> probability;  // [heads][requested][tokens]
};

// The attention of a [tokens, 3 D] QKV matrix, computed directly in doubles.
Reference reference_attention(const std::vector<float>& qkv, const Case& c, const std::vector<int>& requested, const Bias& bias = {}) {
  const size_t T = c.tokens, D = size_t{c.heads} * c.head_size, ld = 3 * D;
  Reference r{std::vector<double>(T * D, 0.0), std::vector<double>(c.heads * requested.size() * T, 0.0)};
  std::vector<double> p(T);
  for (size_t h = 0; h < c.heads; ++h)
    for (size_t i = 0; i < T; ++i) {
      double top = -INFINITY, sum = 0;
      for (size_t j = 0; j < T; ++j) {
        double s = 0;
        for (size_t k = 0; k < c.head_size; ++k)
          s += double{qkv[i * ld + h * c.head_size + k]} * qkv[j * ld + D + h * c.head_size + k];
        p[j] = s / std::sqrt(double(c.head_size)) + bias.at(c.heads, h, i, j);
        top = std::max(top, p[j]);
      }
      for (double& v : p) sum += v = std::exp(v - top);
      for (size_t j = 0; j < T; ++j)
        for (size_t k = 0; k < c.head_size; ++k)
          r.out[i * D + h * c.head_size + k] += p[j] / sum * qkv[j * ld + 2 * D + h * c.head_size + k];
      for (size_t q = 0; q < requested.size(); ++q)
        if (static_cast<size_t>(requested[q]) == i)
          for (size_t j = 0; j < T; ++j) r.probability[(h * requested.size() + q) * T + j] = p[j] / sum;
    }
  return r;
}

struct DeviceResult {
  std::vector<float> out, probability;
};

DeviceResult device_attention(const std::shared_ptr<vk::Context>& ctx, const vk::Kernels& kernels,
                              const std::vector<float>& qkv, const Case& c, const std::vector<int>& requested,
                              const Bias& bias = {}) {
  const uint32_t D = c.heads * c.head_size;
  const auto Q = static_cast<uint32_t>(requested.size());
  const uint32_t target_offset = 8;  // rows land at an offset inside their target
  vk::Arena arena;
  const auto ids = std::vector{arena.reserve_floats(qkv.size()), arena.reserve_floats(size_t{c.tokens} * D),
                               arena.reserve_floats(2 * size_t{c.heads} * c.tokens),
                               arena.reserve_floats(std::max<size_t>(Q, 1)),
                               arena.reserve_floats(target_offset + size_t{c.heads} * Q * c.tokens),
                               arena.reserve_floats(std::max<size_t>(bias.table.size(), 1))};
  arena.allocate(ctx, vk::MemoryUse::Readback);
  vk::Uploader up(ctx, arena.buffer());
  up.write(arena[ids[0]], qkv.data(), qkv.size() * 4);
  if (Q) up.write(arena[ids[3]], requested.data(), Q * 4);
  if (!bias.table.empty()) up.write(arena[ids[5]], bias.table.data(), bias.table.size() * 4);
  up.flush();

  vk::AttentionArgs args;
  args.tokens = c.tokens;
  args.heads = c.heads;
  args.head_size = c.head_size;
  args.qkv = {arena[ids[0]], 0, 3 * D};
  args.k_offset = D;
  args.v_offset = 2 * D;
  args.out = {arena[ids[1]], 0, D};
  args.stats = arena[ids[2]];
  if (!bias.table.empty()) {
    args.bias = arena[ids[5]];
    args.grid_h = bias.grid_h;
    args.grid_w = bias.grid_w;
  }
  vk::Recording rec(ctx, false);
  kernels.attention(rec, args);
  // Two bands, as AttentionReadback splits heads when a layer's rows exceed one binding.
  const uint32_t first_band = (c.heads + 1) / 2;
  kernels.attention_rows(rec, args, {arena[ids[3]], Q, arena[ids[4]], target_offset, 0, first_band});
  if (first_band < c.heads)
    kernels.attention_rows(rec, args, {arena[ids[3]], Q, arena[ids[4]], target_offset + first_band * Q * c.tokens, first_band, c.heads - first_band});
  rec.finish();
  rec.submit();
  const float* out = arena[ids[1]].host();
  const float* probability = arena[ids[4]].host() + target_offset;
  return {std::vector<float>(out, out + size_t{c.tokens} * D),
          std::vector<float>(probability, probability + size_t{c.heads} * Q * c.tokens)};
}

template <typename A, typename B>
double max_difference(const A& a, const B& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return worst;
}

}  // namespace

TEST_CASE("fused attention matches a double-precision softmax(QK^T/sqrt(d))V on ragged token counts, with and "
          "without requested rows, in both kernel families",
          "[vulkan][attention]") {
  const auto device = test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  auto ctx = vk::Context::create(device->index);
  const Case cases[] = {{1, 2, 8}, {5, 3, 16}, {197, 2, 64}, {1025, 2, 32}, {3001, 1, 8}};
  for (const KernelFamily family : {KernelFamily::Texel, KernelFamily::Tiled}) {
    const vk::Kernels kernels(ctx, family);
    for (const Case& c : cases) {
      INFO((family == KernelFamily::Texel ? "texel" : "tiled") << ": tokens=" << c.tokens << " heads=" << c.heads
                                                               << " dh=" << c.head_size);
      std::mt19937 rng(c.tokens * 31 + c.head_size);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> qkv(size_t{c.tokens} * 3 * c.heads * c.head_size);
      for (float& v : qkv) v = u(rng);
      std::vector<int> requested{static_cast<int>(c.tokens - 1), 0};
      if (c.tokens > 2) requested.push_back(static_cast<int>(c.tokens / 2));
      if (c.tokens == 1) requested.pop_back();

      const Reference expected = reference_attention(qkv, c, requested);
      const DeviceResult with_rows = device_attention(ctx, kernels, qkv, c, requested);
      const DeviceResult without_rows = device_attention(ctx, kernels, qkv, c, {});
      CHECK(max_difference(with_rows.out, expected.out) <= 1e-5);
      CHECK(max_difference(with_rows.probability, expected.probability) <= 1e-6);
      CHECK(with_rows.out == without_rows.out);
    }
  }
}

TEST_CASE("the relative position bias joins every logit of both passes, per head, in both kernel families",
          "[vulkan][attention][beit]") {
  const auto device = test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  auto ctx = vk::Context::create(device->index);
  struct Grid {
    uint32_t h, w, heads, head_size;
  };
  for (const KernelFamily family : {KernelFamily::Texel, KernelFamily::Tiled}) {
    const vk::Kernels kernels(ctx, family);
    for (const Grid g : {Grid{1, 1, 2, 8}, Grid{5, 7, 3, 16}, Grid{14, 14, 4, 8}}) {
      const Case c{1 + g.h * g.w, g.heads, g.head_size};
      INFO((family == KernelFamily::Texel ? "texel" : "tiled") << ": grid " << g.h << "x" << g.w << ", " << g.heads << " heads");
      std::mt19937 rng(g.h * 131 + g.w);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> qkv(size_t{c.tokens} * 3 * c.heads * c.head_size);
      for (float& v : qkv) v = u(rng);
      Bias bias{std::vector<float>(static_cast<size_t>(relative_position_rows(static_cast<int>(g.h), static_cast<int>(g.w))) * g.heads), g.h, g.w};
      for (float& v : bias.table) v = 3.0f * u(rng);
      std::vector<int> requested{0, static_cast<int>(c.tokens - 1), static_cast<int>(c.tokens / 2)};

      const Reference expected = reference_attention(qkv, c, requested, bias);
      const DeviceResult with_rows = device_attention(ctx, kernels, qkv, c, requested, bias);
      const DeviceResult without_rows = device_attention(ctx, kernels, qkv, c, {}, bias);
      CHECK(max_difference(with_rows.out, expected.out) <= 1e-5);
      CHECK(max_difference(with_rows.probability, expected.probability) <= 1e-6);
      CHECK(with_rows.out == without_rows.out);
      // The bias matters: without it the output is another one.
      CHECK(max_difference(device_attention(ctx, kernels, qkv, c, {}).out, expected.out) > 1e-2);
    }
  }
}
