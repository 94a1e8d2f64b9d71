#include <catch2/catch.hpp>

#include <cmath>

#include "support/image_fixtures.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vt = vitlens::test;
using vitlens::PreprocessConfig;
using vitlens::Resample;

namespace {

Resample resample_named(const std::string& name) {
  if (name == "nearest") return Resample::Nearest;
  if (name == "bilinear") return Resample::Bilinear;
  if (name == "bicubic") return Resample::Bicubic;
  if (name == "lanczos") return Resample::Lanczos;
  throw std::invalid_argument("unknown filter " + name);
}

PreprocessConfig config_from(const nlohmann::json& j) {
  PreprocessConfig c;
  if (j["mode"] == "exact") {
    c.height = j["height"];
    c.width = j["width"];
  } else {
    c.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    c.shortest_edge = j["shortest_edge"];
  }
  c.resample = resample_named(j["resample"]);
  c.do_center_crop = !j["crop"].is_null();
  if (c.do_center_crop) {
    c.crop_height = j["crop"][0];
    c.crop_width = j["crop"][1];
  }
  c.rescale_factor = j["rescale_factor"];
  for (int ch = 0; ch < 3; ++ch) {
    c.mean[ch] = j["mean"][ch];
    c.std[ch] = j["std"][ch];
  }
  return c;
}

// The numpy steps map each uint8 level on its own, so the reference tensor is the
// reference uint8 image looked up in per-channel tables of numpy's float32 results.
vitlens::Tensor reference_tensor(const nlohmann::json& entry) {
  const cv::Mat rgb = vt::read_reference_rgb(entry["image"]);
  vitlens::Tensor t({3, rgb.rows, rgb.cols});
  float* out = t.ptr();
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < rgb.rows; ++y)
      for (int x = 0; x < rgb.cols; ++x)
        *out++ = static_cast<float>(entry["tables"][ch][rgb.at<cv::Vec3b>(y, x)[ch]].get<double>());
  return t;
}

float max_abs_difference(const vitlens::Tensor& a, const vitlens::Tensor& b) {
  float worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
  return worst;
}

std::vector<int64_t> shape_of(int width, int height, const PreprocessConfig& config) {
  return vitlens::preprocess(cv::Mat(height, width, CV_8UC3, cv::Scalar::all(128)), config).shape;
}

}  // namespace

TEST_CASE("resize_like_pil reproduces Pillow's Image.resize bit for bit", "[image]") {
  for (const auto& entry : vt::image_manifest()["resizes"]) {
    INFO(entry["reference"].get<std::string>());
    const cv::Mat source = vitlens::load_image_rgb(vt::image_fixture(entry["source"]));
    const cv::Mat resized = vitlens::resize_like_pil(source, entry["width"], entry["height"], resample_named(entry["filter"]));
    CHECK(vt::max_abs_difference(resized, vt::read_reference_rgb(entry["reference"])) == 0);
  }
}

TEST_CASE("preprocess equals the Hugging Face PIL + numpy pipeline", "[image]") {
  for (const auto& entry : vt::image_manifest()["preprocess"]) {
    INFO(entry["name"].get<std::string>());
    const cv::Mat source = vitlens::load_image_rgb(vt::image_fixture(entry["source"]));
    const vitlens::Tensor input = vitlens::preprocess(source, config_from(entry["config"]));
    const vitlens::Tensor expected = reference_tensor(entry);
    REQUIRE(input.shape == entry["shape"].get<std::vector<int64_t>>());
    CHECK(max_abs_difference(input, expected) == 0.0f);
  }
}

TEST_CASE("a 1x1 image pre-processes to the model size", "[image]") {
  const cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(255, 0, 128));
  const vitlens::Tensor input = vitlens::preprocess(pixel, PreprocessConfig{});
  REQUIRE(input.shape == std::vector<int64_t>{3, 224, 224});
  CHECK(input.data.front() == Approx(1.0f));   // red 255 -> (1 - 0.5) / 0.5
  CHECK(input.data.back() == Approx(0.003922f).margin(1e-6));  // blue 128
}

TEST_CASE("shortest-edge resizing keeps the aspect ratio, flooring the long side", "[image]") {
  PreprocessConfig config;
  config.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
  config.shortest_edge = 256;
  CHECK(shape_of(160, 120, config) == std::vector<int64_t>{3, 256, 341});  // 256 * 160 / 120 = 341.3
  CHECK(shape_of(120, 160, config) == std::vector<int64_t>{3, 341, 256});
  CHECK(shape_of(300, 300, config) == std::vector<int64_t>{3, 256, 256});
  config.do_center_crop = true;
  config.crop_height = 224;
  config.crop_width = 200;
  CHECK(shape_of(160, 120, config) == std::vector<int64_t>{3, 224, 200});
  CHECK(shape_of(120, 160, config) == std::vector<int64_t>{3, 224, 200});
}

TEST_CASE("center crop takes floor((size - crop) / 2) as its first row and column", "[image]") {
  cv::Mat rgb(5, 6, CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * y, 10 * x, 0);
  PreprocessConfig config;
  config.do_resize = false;
  config.do_center_crop = true;
  config.crop_height = 2;
  config.crop_width = 3;
  config.do_rescale = false;
  config.do_normalize = false;
  const vitlens::Tensor crop = vitlens::preprocess(rgb, config);
  REQUIRE(crop.shape == std::vector<int64_t>{3, 2, 3});
  CHECK(crop.data[0] == 10.0f);  // row (5 - 2) / 2 = 1
  CHECK(crop.data[6] == 10.0f);  // column (6 - 3) / 2 = 1
}

TEST_CASE("a crop larger than the image centres it on zero pixels", "[image]") {
  PreprocessConfig config;
  config.do_resize = false;
  config.do_center_crop = true;
  config.crop_height = 5;
  config.crop_width = 4;
  config.mean = {0.485f, 0.456f, 0.406f};
  config.std = {0.229f, 0.224f, 0.225f};
  const vitlens::Tensor input = vitlens::preprocess(cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(255)), config);
  REQUIRE(input.shape == std::vector<int64_t>{3, 5, 4});
  const float zero_red = (0.0f - 0.485f) / 0.229f, full_red = (1.0f - 0.485f) / 0.229f;
  CHECK(input.data[0] == Approx(zero_red));
  CHECK(input.data[2 * 4 + 1] == Approx(full_red));  // image rows ceil(3/2) = 2.., columns 1..
  CHECK(input.data[1 * 4 + 1] == Approx(zero_red));
  CHECK(input.data[3 * 4 + 2] == Approx(full_red));
  CHECK(input.data[4 * 4 + 2] == Approx(zero_red));
}

TEST_CASE("pre-processing refuses empty images and impossible configurations", "[image]") {
  const cv::Mat rgb(4, 4, CV_8UC3, cv::Scalar::all(1));
  CHECK_THROWS_AS(vitlens::preprocess(cv::Mat(), PreprocessConfig{}), vitlens::Error);
  CHECK_THROWS_AS(vitlens::preprocess(cv::Mat(4, 4, CV_8UC1), PreprocessConfig{}), vitlens::Error);
  PreprocessConfig zero_std;
  zero_std.std[1] = 0.0f;
  CHECK_THROWS_AS(vitlens::preprocess(rgb, zero_std), vitlens::Error);
  PreprocessConfig no_size;
  no_size.width = 0;
  CHECK_THROWS_AS(vitlens::preprocess(rgb, no_size), vitlens::Error);
  PreprocessConfig sliver;
  sliver.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
  sliver.shortest_edge = 4096;
  CHECK_THROWS_WITH(vitlens::preprocess(cv::Mat(1, 40000, CV_8UC3), sliver), Catch::Matchers::Contains("shortest edge"));
  CHECK_THROWS_AS(vitlens::resize_like_pil(rgb, -1, 3, Resample::Bilinear), vitlens::Error);
}
