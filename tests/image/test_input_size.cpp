#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/image/preprocess.hpp"

using vitlens::InputOptions;
using vitlens::InputSize;
using vitlens::InputSizeError;
using vitlens::Model;
using vitlens::PreprocessConfig;

namespace {

const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";

// Patch 8 everywhere. hf_vit squashes to 32 x 32; hf_deit_distilled squashes to 36 x 36 and
// crops 32 x 32; timm_vit_f16 resizes the shortest edge to 36 (crop_pct 0.875) and crops 32;
// yolos_mid resizes the shortest edge to 32, the longest capped at 1333.
const Model& model(const std::string& name) {
  static std::map<std::string, Model> models;
  auto it = models.find(name);
  if (it == models.end()) it = models.emplace(name, vitlens::load_model(kFixtures + name)).first;
  return it->second;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string error_of(const InputOptions& options, const Model& m, cv::Size image = {160, 120}) {
  try {
    vitlens::input_plan(m, image, options);
  } catch (const vitlens::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("input sizes parse as S, HxW, native and default", "[cpu][sizes]") {
  CHECK(vitlens::parse_input_size("224") == InputSize::side(224));
  CHECK(vitlens::parse_input_size("224x320") == InputSize::exact(224, 320));
  CHECK(vitlens::parse_input_size("224X320") == InputSize::exact(224, 320));
  CHECK(vitlens::parse_input_size("native") == InputSize::native());
  CHECK(vitlens::parse_input_size("default") == InputSize::model_default());
  CHECK(InputSize::exact(224, 320).to_string() == "224x320");
}

TEST_CASE("malformed, zero, negative and huge input sizes are refused with the text and the accepted forms",
          "[cpu][sizes]") {
  for (const std::string bad : {"", "x", "224x", "x320", "abc", "22.4", "224x320x3", " 224", "+224", "Native"}) {
    INFO("'" << bad << "'");
    try {
      vitlens::parse_input_size(bad);
      FAIL("accepted");
    } catch (const InputSizeError& e) {
      CHECK(contains(e.what(), "'" + bad + "'"));
      CHECK(contains(e.what(), "S, HxW"));
    }
  }
  CHECK_THROWS_WITH(vitlens::parse_input_size("0"), Catch::Contains("zero side"));
  CHECK_THROWS_WITH(vitlens::parse_input_size("224x0"), Catch::Contains("zero side"));
  CHECK_THROWS_WITH(vitlens::parse_input_size("-16"), Catch::Contains("negative"));
  CHECK_THROWS_WITH(vitlens::parse_input_size("16x-16"), Catch::Contains("negative"));
  CHECK_THROWS_WITH(vitlens::parse_input_size("99999999999"), Catch::Contains("too large"));
  CHECK_THROWS_AS(vitlens::parse_input_size("70000"), InputSizeError);
}

TEST_CASE("a size smaller than one patch or off the patch grid is an input-size error that suggests one",
          "[cpu][sizes]") {
  const Model& vit = model("hf_vit");
  CHECK_THROWS_AS(vitlens::check_input_options({InputSize::exact(4, 32)}, vit), InputSizeError);
  CHECK_THROWS_WITH(vitlens::check_input_options({InputSize::side(7)}, vit), Catch::Contains("smaller than one patch (8"));
  CHECK_THROWS_WITH(vitlens::check_input_options({InputSize::exact(30, 37)}, vit),
                    Catch::Contains("not a multiple") && Catch::Contains("try 32x40"));
  CHECK_NOTHROW(vitlens::check_input_options({InputSize::exact(8, 64)}, vit));
  // YOLOS's processor floors its shortest edge to the patch size itself.
  CHECK_NOTHROW(vitlens::check_input_options({InputSize::side(37)}, model("yolos/yolos_mid")));
  CHECK_THROWS_WITH(vitlens::check_input_options({InputSize::side(8)}, model("yolos/yolos_mid")),
                    Catch::Contains("multiples of 16") && Catch::Contains("at least 16"));
}

TEST_CASE("an input over the token limit names its token count, the limit and how to raise it", "[cpu][sizes]") {
  const Model& vit = model("hf_vit");
  // 1 + (48 / 8) * (40 / 8) = 31 tokens.
  const std::string fixed = error_of({InputSize::exact(48, 40), 30}, vit);
  CHECK(contains(fixed, "48x40 is 31 tokens"));
  CHECK(contains(fixed, "limit of 30"));
  CHECK(contains(fixed, "--max-tokens"));
  CHECK_THROWS_AS(vitlens::check_input_options({InputSize::exact(48, 40), 30}, vit), vitlens::Error);
  CHECK(error_of({InputSize::exact(48, 40), 31}, vit).empty());
  // native depends on the image, so only the plan can tell: 2000 x 1600 at patch 8 is 50,001 tokens.
  CHECK_NOTHROW(vitlens::check_input_options({InputSize::native()}, vit));
  CHECK(contains(error_of({InputSize::native()}, vit, {2000, 1600}), "50,001 tokens, more than the limit of 16,384"));
}

TEST_CASE("native rounds each side of the image to the nearest multiple of the patch and squashes to it",
          "[cpu][sizes]") {
  for (const char* name : {"hf_vit", "hf_deit_distilled", "timm_vit_f16/model.safetensors", "yolos/yolos_mid"}) {
    INFO(name);
    const vitlens::InputPlan plan = vitlens::input_plan(model(name), {37, 23}, {InputSize::native()});
    CHECK(plan.input == cv::Size(40, 24));
    CHECK_FALSE(plan.preprocess.do_center_crop);
    CHECK(plan.preprocess.resize_mode == PreprocessConfig::ResizeMode::Exact);
  }
  CHECK(vitlens::input_plan(model("hf_vit"), {3, 2}, {InputSize::native()}).input == cv::Size(8, 8));
  CHECK(vitlens::input_plan(model("hf_vit"), {3, 2}, {InputSize::native()}).tokens == 2);
}

TEST_CASE("a size override gives an input of exactly H x W for every kind of processor", "[cpu][sizes]") {
  for (const char* name : {"hf_vit", "hf_deit_distilled", "timm_vit_f16/model.safetensors", "yolos/yolos_mid"})
    for (cv::Size image : {cv::Size(160, 120), cv::Size(120, 160), cv::Size(33, 300)}) {
      INFO(name << " on " << image.width << "x" << image.height);
      CHECK(vitlens::input_plan(model(name), image, {InputSize::exact(48, 16)}).input == cv::Size(16, 48));
      CHECK(vitlens::input_plan(model(name), image, {InputSize::exact(16, 40)}).input == cv::Size(40, 16));
    }
}

TEST_CASE("a Hugging Face resize-then-crop keeps its resize-to-crop proportion at another size", "[cpu][sizes]") {
  // DeiT: 36 x 36 then crop 32 x 32; at 48 x 40 the processor gets size 54 x 45, crop 48 x 40.
  const PreprocessConfig p = vitlens::input_plan(model("hf_deit_distilled"), {160, 120}, {InputSize::exact(48, 40)}).preprocess;
  CHECK(p.resize_mode == PreprocessConfig::ResizeMode::Exact);
  CHECK(p.height == 54);
  CHECK(p.width == 45);
  CHECK(p.crop_height == 48);
  CHECK(p.crop_width == 40);
}

TEST_CASE("a timm size crops from floor(size / crop_pct), by shortest edge when square, else keeping the ratio",
          "[cpu][sizes]") {
  const Model& timm = model("timm_vit_f16/model.safetensors");
  const PreprocessConfig square = vitlens::input_plan(timm, {160, 120}, {InputSize::side(24)}).preprocess;
  CHECK(square.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge);
  CHECK(square.shortest_edge == 27);  // floor(24 / 0.875)
  CHECK(square.crop_rounding == PreprocessConfig::CropRounding::HalfEven);
  // torchvision's CenterCrop: 36 x 27 cropped to 24 x 24 starts at round(1.5) = 2, round(6) = 6.
  CHECK(vitlens::input_geometry({160, 120}, square).crop == cv::Rect(6, 2, 24, 24));

  const PreprocessConfig wide = vitlens::input_plan(timm, {160, 120}, {InputSize::exact(48, 40)}).preprocess;
  CHECK(wide.resize_mode == PreprocessConfig::ResizeMode::Cover);
  CHECK(wide.resample == vitlens::Resample::Bilinear);  // timm's ResizeKeepRatio default
  CHECK(wide.height == 54);                             // floor(48 / 0.875)
  CHECK(wide.width == 45);                              // floor(40 / 0.875)
  CHECK(vitlens::input_geometry({160, 120}, wide).resized == cv::Size(72, 54));
}

TEST_CASE("YOLOS reads a single size as its shortest edge and keeps the longest-edge cap", "[cpu][sizes]") {
  const vitlens::InputPlan plan = vitlens::input_plan(model("yolos/yolos_mid"), {160, 120}, {InputSize::side(48)});
  CHECK(plan.preprocess.resize_mode == PreprocessConfig::ResizeMode::ShortestEdgeCapped);
  CHECK(plan.preprocess.shortest_edge == 48);
  CHECK(plan.input == cv::Size(64, 48));
  CHECK(plan.tokens == 1 + 6 * 8 + 10);
}

TEST_CASE("the model default leaves the checkpoint's pre-processing as it is", "[cpu][sizes]") {
  const Model& deit = model("hf_deit_distilled");
  const vitlens::InputPlan plan = vitlens::input_plan(deit, {160, 120}, {});
  CHECK(plan.input == cv::Size(32, 32));
  CHECK(plan.tokens == 2 + 16);
  CHECK(plan.preprocess.height == deit.preprocess.height);
  CHECK(vitlens::fixed_input_size(deit, {}) == cv::Size(32, 32));
  CHECK_FALSE(vitlens::fixed_input_size(deit, InputSize::native()).has_value());
  CHECK_FALSE(vitlens::fixed_input_size(model("yolos/yolos_mid"), InputSize::side(64)).has_value());
}
