// Caller-chosen input sizes, end to end: every case in tests/fixtures/sizes/manifest.json
// (tools/make_size_fixtures.py: the Hugging Face and timm pipelines re-implemented in
// PyTorch) must give the same pre-processed pixels, logits and attention from an image
// file, on the CPU reference, the CPU backend and on the Vulkan engine with both kernel families.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/vulkan_device.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/image/preprocess.hpp"
#include "support/tensor_compare.hpp"

using vitlens::Tensor;

using vitlens::test::max_abs_diff;

namespace {

namespace fs = std::filesystem;

constexpr double kPixelTolerance = 1e-6;  // torchvision's ToTensor divides by 255 in float32
constexpr double kLogitTolerance = 1e-4;
constexpr double kAttentionTolerance = 1e-5;

struct SizeCase {
  std::string name;
  fs::path model;
  fs::path image;
  std::string size;
  cv::Size input;
  int64_t tokens = 0;
  Tensor pixels;
  Tensor logits;
  Tensor attention;
};

fs::path fixtures_dir() { return fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures"; }

std::vector<SizeCase> size_cases() {
  std::ifstream in(fixtures_dir() / "sizes" / "manifest.json");
  REQUIRE(in.good());
  const nlohmann::json manifest = nlohmann::json::parse(in);
  std::vector<SizeCase> cases;
  for (const auto& entry : manifest.at("cases")) {
    SizeCase c;
    c.name = entry.at("name").get<std::string>();
    c.model = fixtures_dir() / entry.at("model").get<std::string>();
    c.image = fixtures_dir() / entry.at("image").get<std::string>();
    c.size = entry.at("size").get<std::string>();
    c.input = cv::Size(entry.at("input").at(1).get<int>(), entry.at("input").at(0).get<int>());
    c.tokens = entry.at("tokens").get<int64_t>();
    const auto expected = vitlens::TensorStore::open_file((fixtures_dir() / "sizes" / (c.name + ".safetensors")).string());
    c.pixels = expected.read("pixel_values");
    c.logits = expected.read("logits");
    c.attention = expected.read("attention");
    cases.push_back(std::move(c));
  }
  REQUIRE(cases.size() == 7);
  return cases;
}

void check_case(const SizeCase& c, const vitlens::DeviceInfo& device, vitlens::KernelFamily family) {
  auto model = std::make_shared<const vitlens::Model>(vitlens::load_model(c.model.string()));
  const cv::Mat rgb = vitlens::load_image_rgb(c.image.string());
  const vitlens::InputOptions options{vitlens::parse_input_size(c.size)};
  const vitlens::InputPlan plan = vitlens::input_plan(*model, rgb.size(), options);
  CHECK(plan.input == c.input);
  CHECK(plan.tokens == c.tokens);

  const Tensor pixels = vitlens::preprocess(rgb, plan.preprocess);
  CHECK(max_abs_diff(pixels, c.pixels) <= kPixelTolerance);

  vitlens::Session session(model, device, {family});
  const vitlens::ForwardOutput out = session.run(pixels, vitlens::AttentionRequest::all());
  CHECK(max_abs_diff(out.logits, c.logits) <= kLogitTolerance);
  CHECK(max_abs_diff(out.attention, c.attention) <= kAttentionTolerance);
  CHECK(max_abs_diff(session.run(rgb, options).logits, out.logits) <= 1e-6);
}

void check_every_case(const vitlens::DeviceInfo& device, vitlens::KernelFamily family) {
  for (const SizeCase& c : size_cases()) {
    DYNAMIC_SECTION(c.name << " at --size " << c.size << " on " << device.name) { check_case(c, device, family); }
  }
}

void check_vulkan(vitlens::KernelFamily family) {
  const auto device = vitlens::test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: the Vulkan input-size test is skipped");
    return;
  }
  check_every_case(*device, family);
}

}  // namespace

TEST_CASE("classify and attention at caller-chosen sizes match the frameworks' PyTorch pipelines on the CPU reference",
          "[sizes][golden]") {
  check_every_case(vitlens::choose_device("reference"), vitlens::KernelFamily::Auto);
}

TEST_CASE("classify and attention at caller-chosen sizes match the frameworks' PyTorch pipelines on the CPU backend",
          "[sizes][golden][cpu]") {
  check_every_case(vitlens::choose_device("cpu"), vitlens::KernelFamily::Auto);
}

TEST_CASE("classify and attention at caller-chosen sizes match PyTorch with the Vulkan texel kernels",
          "[sizes][golden][vulkan]") {
  check_vulkan(vitlens::KernelFamily::Texel);
}

TEST_CASE("classify and attention at caller-chosen sizes match PyTorch with the Vulkan tiled kernels",
          "[sizes][golden][vulkan]") {
  check_vulkan(vitlens::KernelFamily::Tiled);
}
