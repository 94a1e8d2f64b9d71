// Times the engine's GEMM kernels alone on the products of a ViT layer, so kernel changes
// can be judged without the noise of a whole forward pass. Each product is recorded
// `--layers` times into one command buffer (as in a model: the same shape, different
// weights); the best of `--runs` submits is reported, since on a shared machine noise only
// ever adds time.
//
//   vitlens-bench-gemm [--device N] [--family texel|tiled] [--dim D] [--mlp I] [--heads H]
//                      [--tokens T] [--layers L] [--runs R] [--row-major] [--unshared]
//
// --row-major and --unshared turn off the texel GEMM's interleaved weights and its shared
// reads of X, to measure what each is worth on a device.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backend/vulkan/buffer.hpp"
#include "backend/vulkan/context.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/recording.hpp"
#include "backend/vulkan/weight_layout.hpp"

namespace {

using namespace vitlens;

struct Options {
  int device = 0;
  KernelFamily family = KernelFamily::Auto;
  uint32_t dim = 768, mlp = 3072, heads = 12, tokens = 197, layers = 12, runs = 10;
  bool row_major = false, unshared = false;
};

// Y[z] = X[z] W[z]^T for z < batch. Linear layers read weights in the layout the device's
// GEMM prefers; the attention products read activations, always row-major.
struct Product {
  const char* name;
  uint32_t N, K, batch = 1;
  bool weights = true;
};

constexpr const char* kUsage =
    "usage: vitlens-bench-gemm [--device N] [--family texel|tiled] [--dim D] [--mlp I] [--heads H] [--tokens T] "
    "[--layers L] [--runs R] [--row-major] [--unshared]\n";

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "vitlens-bench-gemm: %s\n%s", problem, kUsage);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    }
    if (flag == "--row-major" || flag == "--unshared") {
      (flag == "--row-major" ? o.row_major : o.unshared) = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    const std::string value = argv[++i];
    const auto number = [&] {
      const long v = std::strtol(value.c_str(), nullptr, 10);
      if (v <= 0) usage((flag + " needs a positive number").c_str());
      return static_cast<uint32_t>(v);
    };
    if (flag == "--device") o.device = static_cast<int>(std::strtol(value.c_str(), nullptr, 10));
    else if (flag == "--family" && value == "texel") o.family = KernelFamily::Texel;
    else if (flag == "--family" && value == "tiled") o.family = KernelFamily::Tiled;
    else if (flag == "--dim") o.dim = number();
    else if (flag == "--mlp") o.mlp = number();
    else if (flag == "--heads") o.heads = number();
    else if (flag == "--tokens") o.tokens = number();
    else if (flag == "--layers") o.layers = number();
    else if (flag == "--runs") o.runs = number();
    else usage(("unknown option " + flag + " " + value).c_str());
  }
  if (o.dim % 4 || o.mlp % 4) usage("--dim and --mlp must be multiples of 4");
  if (o.dim % (4 * o.heads)) usage("--dim must be a multiple of 4 x --heads");
  return o;
}

// Fills a slice of a host-visible buffer (lavapipe and UMA devices) with small random values.
void fill(const vk::Slice& s, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  float* p = s.host();
  if (!p) usage("this device's memory is not host-visible; the benchmark needs a UMA device");
  for (size_t i = 0; i < s.bytes / 4; ++i) p[i] = u(rng);
}

double time_product(const std::shared_ptr<vk::Context>& ctx, const vk::Kernels& kernels, const Options& o,
                    const Product& prod) {
  const uint32_t interleave = prod.weights && !o.row_major ? kernels.weight_interleave() : 0;
  const size_t x_floats = size_t{o.tokens} * prod.K;
  const size_t w_floats = vk::WeightLayout{prod.N, prod.K, prod.K, interleave}.floats();
  const size_t y_floats = size_t{o.tokens} * prod.N;
  vk::Arena arena;
  const auto x = arena.reserve_floats(x_floats * prod.batch);
  std::vector<vk::Arena::Id> w(o.layers);
  for (auto& id : w) id = arena.reserve_floats(w_floats * prod.batch);
  const auto bias = arena.reserve_floats(prod.N);
  const auto y = arena.reserve_floats(y_floats * prod.batch);
  arena.allocate(ctx, vk::MemoryUse::Device);
  std::mt19937 rng(0);
  fill(arena[x], rng);
  for (auto id : w) fill(arena[id], rng);
  fill(arena[bias], rng);

  vk::Recording rec(ctx, false);
  for (uint32_t l = 0; l < o.layers; ++l) {
    vk::GemmArgs g;
    g.M = o.tokens;
    g.N = prod.N;
    g.K = prod.K;
    g.batch = prod.batch;
    g.x = {arena[x], 0, prod.K, static_cast<uint32_t>(x_floats)};
    g.w = {arena[w[l]], 0, prod.K, static_cast<uint32_t>(w_floats), interleave};
    g.y = {arena[y], 0, prod.N, static_cast<uint32_t>(y_floats)};
    if (prod.weights) g.bias = arena[bias];
    kernels.gemm(rec, g);
  }
  rec.finish();
  rec.submit();  // first submit: pipeline and cache warm-up
  double best = 1e30;
  for (uint32_t r = 0; r < o.runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    rec.submit();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best / o.layers;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    auto ctx = vk::Context::create(o.device);
    const vk::Kernels kernels(ctx, o.family, !o.unshared);
    std::printf("%s, %s kernels%s%s, %u tokens, best of %u runs of %u products each\n", ctx->name().c_str(),
                kernels.family() == KernelFamily::Texel ? "texel" : "tiled", o.row_major ? ", row-major weights" : "",
                o.unshared ? ", unshared X reads" : "", o.tokens, o.runs, o.layers);
    std::printf("%-6s %6s %6s %6s %10s %9s\n", "op", "M", "N", "K", "ms", "GFLOP/s");
    const uint32_t head_dim = o.dim / o.heads, tokens_padded = (o.tokens + 3) / 4 * 4;
    const Product products[] = {{"qkv", 3 * o.dim, o.dim},
                                {"qk", o.tokens, head_dim, o.heads, false},
                                {"pv", head_dim, tokens_padded, o.heads, false},
                                {"proj", o.dim, o.dim},
                                {"fc1", o.mlp, o.dim},
                                {"fc2", o.dim, o.mlp}};
    double total_ms = 0, total_flop = 0;
    for (const Product& p : products) {
      const double ms = time_product(ctx, kernels, o, p);
      const double flop = 2.0 * o.tokens * p.N * p.K * p.batch;
      total_ms += ms;
      total_flop += flop;
      std::printf("%-6s %6u %6u %6u %10.2f %9.1f\n", p.name, o.tokens, p.N, p.K, ms, flop / ms / 1e6);
    }
    std::printf("%-6s %27s %10.2f %9.1f\n", "layer", "", total_ms, total_flop / total_ms / 1e6);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitlens-bench-gemm: %s\n", e.what());
    return 1;
  }
}
