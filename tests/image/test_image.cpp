#include <catch2/catch.hpp>

#include "support/image_fixtures.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vt = vitlens::test;
using vitlens::load_image_rgb;

namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put_be32(std::string& bytes, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>(value >> (24 - 8 * i));
}

}  // namespace

TEST_CASE("every fixture format decodes to the pixels Pillow's convert(\"RGB\") gives", "[image]") {
  for (const auto& [name, expected] : vt::image_manifest()["images"].items()) {
    INFO(name);
    const cv::Mat rgb = load_image_rgb(vt::image_fixture(name));
    CHECK(rgb.type() == CV_8UC3);
    CHECK(rgb.cols == expected["width"].get<int>());
    CHECK(rgb.rows == expected["height"].get<int>());
    CHECK(vt::max_abs_difference(rgb, vt::read_reference_rgb(expected["reference"])) == 0);
  }
}

TEST_CASE("a JPEG with EXIF orientation 6 is rotated upright", "[image]") {
  const cv::Mat stored = cv::imread(vt::image_fixture("exif_orientation6.jpg"), cv::IMREAD_UNCHANGED);
  REQUIRE(stored.cols == 64);
  REQUIRE(stored.rows == 48);
  const cv::Mat rgb = load_image_rgb(vt::image_fixture("exif_orientation6.jpg"));
  CHECK(rgb.cols == 48);
  CHECK(rgb.rows == 64);
  CHECK(vt::max_abs_difference(rgb, vt::read_reference_rgb("exif_orientation6.jpg.rgb.png")) == 0);
}

TEST_CASE("a grey image becomes RGB with three equal channels", "[image]") {
  const cv::Mat rgb = load_image_rgb(vt::image_fixture("grey.png"));
  const cv::Mat grey = cv::imread(vt::image_fixture("grey.png"), cv::IMREAD_UNCHANGED);
  REQUIRE(grey.type() == CV_8UC1);
  cv::Mat channels[3];
  cv::split(rgb, channels);
  for (const cv::Mat& channel : channels) CHECK(cv::countNonZero(channel != grey) == 0);
}

TEST_CASE("alpha is dropped without compositing, as PIL's convert(\"RGB\") does", "[image]") {
  const cv::Mat bgra = cv::imread(vt::image_fixture("rgba.png"), cv::IMREAD_UNCHANGED);
  REQUIRE(bgra.type() == CV_8UC4);
  const cv::Mat rgb = load_image_rgb(vt::image_fixture("rgba.png"));
  // The first rows are fully transparent yet keep their stored colour.
  CHECK(bgra.at<cv::Vec4b>(0, 5)[3] == 0);
  const cv::Vec4b stored = bgra.at<cv::Vec4b>(0, 5);
  CHECK(rgb.at<cv::Vec3b>(0, 5) == cv::Vec3b(stored[2], stored[1], stored[0]));
  CHECK(vt::max_abs_difference(rgb, vt::read_reference_rgb("rgba.png.rgb.png")) == 0);
}

TEST_CASE("16-bit images keep the high byte of each sample", "[image]") {
  for (const char* name : {"rgb16.png", "grey16.png"}) {
    INFO(name);
    const cv::Mat wide = cv::imread(vt::image_fixture(name), cv::IMREAD_UNCHANGED);
    REQUIRE(wide.depth() == CV_16U);
    const cv::Mat high = vitlens::to_rgb(wide);
    CHECK(vt::max_abs_difference(load_image_rgb(vt::image_fixture(name)), high) == 0);
    CHECK(vt::max_abs_difference(high, vt::read_reference_rgb(std::string(name) + ".rgb.png")) == 0);
  }
}

TEST_CASE("a missing file is an error naming it", "[image]") {
  vt::TempFolder folder("image_missing");
  const std::string path = folder.file("nowhere.jpg");
  CHECK_THROWS_WITH(load_image_rgb(path),
                       Catch::Matchers::Contains(path) && Catch::Matchers::Contains("no such file"));
}

TEST_CASE("an empty file is an error naming it", "[image]") {
  vt::TempFolder folder("image_empty");
  const std::string path = folder.write("empty.jpg", "");
  CHECK_THROWS_WITH(load_image_rgb(path),
                       Catch::Matchers::Contains(path) && Catch::Matchers::Contains("empty"));
}

TEST_CASE("a text file named .png is an error naming it", "[image]") {
  vt::TempFolder folder("image_text");
  const std::string path = folder.write("notes.png", "these are not pixels\n");
  CHECK_THROWS_WITH(load_image_rgb(path),
                       Catch::Matchers::Contains(path) && Catch::Matchers::Contains("not a decodable image"));
}

TEST_CASE("a directory is an error naming it", "[image]") {
  vt::TempFolder folder("image_directory");
  const std::string path = folder.file("");
  CHECK_THROWS_WITH(load_image_rgb(path), Catch::Matchers::Contains(path));
}

TEST_CASE("truncated and corrupted images give an error or pixels, never a crash", "[image]") {
  vt::TempFolder folder("image_corrupt");
  for (const char* name : {"fruits.jpg", "baboon.png", "photo.webp", "photo.tiff", "photo.bmp"}) {
    const std::string bytes = bytes_of(vt::image_fixture(name));
    for (size_t keep : {size_t{12}, size_t{40}, bytes.size() / 2, bytes.size() - 10}) {
      INFO(name << " cut to " << keep << " bytes");
      const std::string path = folder.write(std::string("cut_") + name, bytes.substr(0, keep));
      try {
        const cv::Mat rgb = load_image_rgb(path);
        CHECK(rgb.type() == CV_8UC3);
      } catch (const vitlens::Error& e) {
        CHECK_THAT(e.what(), Catch::Matchers::Contains(path));
      }
    }
  }
}

TEST_CASE("an image declaring more than the pixel limit is refused before decoding", "[image]") {
  vt::TempFolder folder("image_huge");
  std::string png = bytes_of(vt::image_fixture("grey.png"));
  put_be32(png, 16, 30000);  // IHDR width
  put_be32(png, 20, 30000);  // IHDR height
  const std::string path = folder.write("huge.png", png);
  CHECK_THROWS_WITH(load_image_rgb(path),
                       Catch::Matchers::Contains(path) && Catch::Matchers::Contains("30000x30000") &&
                           Catch::Matchers::Contains("400 megapixels"));
}

TEST_CASE("an 8000x8000 photo loads and pre-processes", "[image]") {
  vt::TempFolder folder("image_8000");
  cv::Mat big(8000, 8000, CV_8UC3);
  for (int y = 0; y < big.rows; ++y)
    for (int x = 0; x < big.cols; ++x) big.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, (x + y) / 63);
  const std::string path = folder.file("big.jpg");
  REQUIRE(cv::imwrite(path, big));
  const cv::Mat rgb = load_image_rgb(path);
  CHECK(rgb.cols == 8000);
  CHECK(rgb.rows == 8000);
  const vitlens::Tensor input = vitlens::preprocess(rgb, vitlens::PreprocessConfig{});
  CHECK(input.shape == std::vector<int64_t>{3, 224, 224});
}

TEST_CASE("camera frames convert from BGR, BGRA and grey to RGB", "[image]") {
  const cv::Mat bgr(2, 2, CV_8UC3, cv::Scalar(10, 20, 30));
  CHECK(vitlens::to_rgb(bgr).at<cv::Vec3b>(1, 1) == cv::Vec3b(30, 20, 10));
  const cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  CHECK(vitlens::to_rgb(bgra).at<cv::Vec3b>(0, 1) == cv::Vec3b(30, 20, 10));
  const cv::Mat grey(2, 2, CV_8UC1, cv::Scalar(77));
  CHECK(vitlens::to_rgb(grey).at<cv::Vec3b>(1, 0) == cv::Vec3b(77, 77, 77));
  const cv::Mat bgr16(2, 2, CV_16UC3, cv::Scalar(0x0AFF, 0x1400, 0xFFFF));
  CHECK(vitlens::to_rgb(bgr16).at<cv::Vec3b>(0, 0) == cv::Vec3b(0xFF, 0x14, 0x0A));
}

TEST_CASE("frames of other layouts are refused", "[image]") {
  CHECK_THROWS_AS(vitlens::to_rgb(cv::Mat()), vitlens::Error);
  CHECK_THROWS_AS(vitlens::to_rgb(cv::Mat(2, 2, CV_32FC3)), vitlens::Error);
  CHECK_THROWS_AS(vitlens::to_rgb(cv::Mat(2, 2, CV_8UC2)), vitlens::Error);
}
