// Feature views (PCA, patch similarity) and head statistics against numpy references made
// from the PyTorch reference's outputs by tools/make_feature_fixtures.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "support/vulkan_device.hpp"
#include "vitlens/analysis/features.hpp"
#include "vitlens/analysis/head_statistics.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/truncate.hpp"
#include "vitlens/util/error.hpp"
#include "support/tensor_compare.hpp"

using namespace vitlens;
using vitlens::test::max_abs_diff;
namespace fs = std::filesystem;

namespace {

fs::path fixtures() { return fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures"; }

Tensor reference(const std::string& name) {
  return TensorStore::open_file((fixtures() / "analysis" / "features.safetensors").string()).read(name);
}

Tensor expected(const std::string& model, const std::string& file, const std::string& name) {
  return TensorStore::open_file((fixtures() / model / file).string()).read(name);
}

Tensor table(const std::vector<std::vector<double>>& rows) {
  Tensor t({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.at(0).size())});
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < rows[r].size(); ++c) t.data[r * rows[r].size() + c] = static_cast<float>(rows[r][c]);
  return t;
}

}  // namespace

TEST_CASE("PCA of the patch features matches numpy's SVD on a non-square grid, signs included", "[features]") {
  const Model model = load_model((fixtures() / "hf_vit").string());
  const TokenLayout layout = token_layout(model.config, 40, 56);
  const cv::Mat features = patch_features(expected("hf_vit", "expected_40x56.safetensors", "hidden_state"), layout);
  CHECK(features.rows == 35);
  const Tensor pca = pca_projections(features, layout);
  CHECK(max_abs_diff(pca, reference("hf_vit_40x56.pca")) < 1e-5);
}

TEST_CASE("the PCA picture is each patch's PCA colour laid over the original image", "[features]") {
  const Model model = load_model((fixtures() / "hf_vit").string());
  const TokenLayout layout = token_layout(model.config, 40, 56);  // 5 x 7 patches
  const Tensor pca = pca_projections(patch_features(expected("hf_vit", "expected_40x56.safetensors", "hidden_state"), layout), layout);
  const cv::Mat colours = pca_colours(pca);
  PreprocessConfig squash;  // any image is squashed onto the grid
  const cv::Mat picture = pca_picture(pca, {}, {140, 50}, squash, {140, 50});
  REQUIRE(picture.type() == CV_8UC3);
  REQUIRE(picture.size() == cv::Size(140, 50));
  for (int row = 0; row < 5; ++row)
    for (int column = 0; column < 7; ++column)  // each patch is 20 x 10 pixels of the image
      CHECK(picture.at<cv::Vec3b>(row * 10 + 5, column * 20 + 10) == colours.at<cv::Vec3b>(row, column));
}

TEST_CASE("patch similarity is the cosine of one patch's feature with every patch's", "[features]") {
  const Model model = load_model((fixtures() / "hf_vit").string());
  const TokenLayout layout = token_layout(model.config, 40, 56);
  const cv::Mat features = patch_features(expected("hf_vit", "expected_40x56.safetensors", "hidden_state"), layout);
  const Tensor similarity = patch_similarity(features, layout, 2, 3);
  CHECK(max_abs_diff(similarity, reference("hf_vit_40x56.similarity_2_3")) < 1e-6);
  CHECK(similarity.data[2 * 7 + 3] == Approx(1.0f));
  CHECK_THROWS_WITH(patch_similarity(features, layout, 5, 0), Catch::Contains("outside the 5x7 patch grid"));
}

TEST_CASE("an inner layer's features come from the model cut after that block, on every backend", "[features]") {
  auto model = std::make_shared<const Model>(
      truncated_after_block(load_model((fixtures() / "hf_dino").string()), 0));
  CHECK(model->config.num_layers == 1);
  const Tensor pixels = expected("hf_dino", "expected_32x32.safetensors", "pixel_values");
  const TokenLayout layout = token_layout(model->config, 32, 32);
  std::vector<DeviceInfo> devices = {choose_device("reference"), choose_device("cpu")};
  if (auto gpu = test::first_vulkan_device()) devices.push_back(*gpu);
  for (const DeviceInfo& device : devices) {
    INFO(device.name);
    Session session(model, device);
    const ForwardOutput out = session.run(pixels);
    CHECK(out.logits.empty());
    const Tensor pca = pca_projections(patch_features(out.hidden_state, layout), layout);
    CHECK(max_abs_diff(pca, reference("hf_dino.block0_pca")) < 1e-4);
  }
  CHECK_THROWS_WITH(truncated_after_block(*model, 1), Catch::Contains("layer 1 is out of range: the model has 1 layers"));
}

TEST_CASE("the PCA foreground is the side of the first component away from the border", "[features]") {
  // A 6 x 6 grid whose four centre patches point one way and the rest the other.
  TokenLayout layout;
  layout.prefix = 0;
  layout.grid_h = layout.grid_w = 6;
  Tensor hidden({36, 4});
  for (int i = 0; i < 36; ++i) {
    const int r = i / 6, c = i % 6;
    const bool centre = (r == 2 || r == 3) && (c == 2 || c == 3);
    hidden.data[static_cast<size_t>(i) * 4] = centre ? 1.0f : -0.2f;
    hidden.data[static_cast<size_t>(i) * 4 + 1] = 0.01f * static_cast<float>(i % 5);
  }
  for (float sign : {1.0f, -1.0f}) {
    Tensor flipped = hidden;
    for (float& v : flipped.data) v *= sign;
    const Tensor pca = pca_projections(patch_features(flipped, layout), layout);
    const cv::Mat foreground = pca_foreground(pca, 0.5f);
    CHECK(cv::countNonZero(foreground) == 4);
    CHECK(foreground.at<uint8_t>(2, 2) == 1);
    CHECK(foreground.at<uint8_t>(0, 0) == 0);
    const cv::Mat colours = pca_colours(pca, foreground);
    CHECK(colours.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 0));
  }
  CHECK_THROWS_WITH(pca_foreground(Tensor({6, 6, 3}), 1.0f), Catch::Contains("between 0 and 1"));
}

TEST_CASE("head statistics match numpy: distance over patch keys, entropy over the full row", "[heads]") {
  struct Case {
    std::string model, file, prefix;
    int h, w;
  };
  for (const Case& c : {Case{"hf_vit", "expected_40x56.safetensors", "hf_vit_40x56", 40, 56},
                        Case{"hf_deit_distilled", "expected_32x32.safetensors", "hf_deit_distilled", 32, 32}}) {
    INFO(c.prefix);
    const Model model = load_model((fixtures() / c.model).string());
    ForwardOutput output;
    output.attention = expected(c.model, c.file, "attention");
    HeadStatisticsAccumulator accumulator(model.config.num_layers, model.config.num_heads, model.config.patch_size);
    accumulator.add(output, token_layout(model.config, c.h, c.w));
    accumulator.add(output, token_layout(model.config, c.h, c.w));  // the same image twice: the same means
    const HeadStatistics s = accumulator.result();
    CHECK(s.images == 2);
    CHECK(max_abs_diff(table(s.mean_attention_distance), reference(c.prefix + ".mean_attention_distance")) < 1e-4);
    CHECK(max_abs_diff(table(s.attention_entropy), reference(c.prefix + ".attention_entropy")) < 1e-5);
  }
}

TEST_CASE("head statistics refuse attention without every row", "[heads]") {
  const Model model = load_model((fixtures() / "hf_vit").string());
  HeadStatisticsAccumulator accumulator(model.config.num_layers, model.config.num_heads, model.config.patch_size);
  ForwardOutput selected;
  selected.attention = Tensor({2, 4, 1, 17});
  CHECK_THROWS_WITH(accumulator.add(selected, token_layout(model.config, 32, 32)), Catch::Contains("every attention row"));
}

TEST_CASE("a click on the attention-distance plot picks the dot of that layer and head", "[heads]") {
  HeadStatistics s;
  s.mean_attention_distance = {{10, 40, 90}, {20, 60, 120}, {100, 110, 130}};
  s.attention_entropy = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
  s.images = 1;
  const cv::Size size(480, 320);
  const cv::Mat plot = plot_attention_distance(s, size, {1, 2});
  CHECK(plot.size() == size);
  // Find the dot of (layer 1, head 1) by sweeping the plot: exactly that pair answers.
  bool found = false;
  for (int y = 0; y < size.height && !found; ++y)
    for (int x = 0; x < size.width && !found; ++x)
      found = attention_distance_dot_at(s, size, {x, y}) == cv::Point(1, 1);
  CHECK(found);
  CHECK(attention_distance_dot_at(s, size, {1, 1}) == cv::Point(-1, -1));
}
