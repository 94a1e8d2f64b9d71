// How a coloured map is laid over an image: the alpha ramp (the default) and the uniform tint.
#include <catch2/catch.hpp>

#include <opencv2/core.hpp>

#include "vitlens/analysis/colormap.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;

namespace {

// A 1 x 3 map: lowest, middle and highest value.
const cv::Mat kUnit = (cv::Mat_<float>(1, 3) << 0.0f, 0.5f, 1.0f);
const cv::Mat kImage(1, 3, CV_8UC3, cv::Scalar(200, 100, 0));
const cv::Mat kColours(1, 3, CV_8UC3, cv::Scalar(0, 100, 200));

}  // namespace

TEST_CASE("the ramp leaves the lowest values as the image and gives the highest the full opacity", "[blend]") {
  const cv::Mat out = overlay(kImage, kColours, kUnit, 0.8, Blend::Ramp);
  CHECK(out.at<cv::Vec3b>(0, 0) == cv::Vec3b(200, 100, 0));
  CHECK(out.at<cv::Vec3b>(0, 1) == cv::Vec3b(120, 100, 80));  // opacity 0.8 x 0.5
  CHECK(out.at<cv::Vec3b>(0, 2) == cv::Vec3b(40, 100, 160));  // opacity 0.8, as the uniform blend
  CHECK(out.at<cv::Vec3b>(0, 2) == overlay(kImage, kColours, 0.8).at<cv::Vec3b>(0, 2));
}

TEST_CASE("the uniform blend tints every pixel, the lowest values included", "[blend]") {
  const cv::Mat out = overlay(kImage, kColours, kUnit, 0.5, Blend::Uniform);
  for (int x = 0; x < 3; ++x) CHECK(out.at<cv::Vec3b>(0, x) == cv::Vec3b(100, 100, 100));
}

TEST_CASE("with_alpha carries the ramp for a front end that blends itself", "[blend]") {
  const cv::Mat ramp = with_alpha(kColours, kUnit, Blend::Ramp);
  REQUIRE(ramp.type() == CV_8UC4);
  CHECK(ramp.at<cv::Vec4b>(0, 0)[3] == 0);
  CHECK(ramp.at<cv::Vec4b>(0, 1)[3] == 128);
  CHECK(ramp.at<cv::Vec4b>(0, 2) == cv::Vec4b(0, 100, 200, 255));
  const cv::Mat uniform = with_alpha(kColours, kUnit, Blend::Uniform);
  for (int x = 0; x < 3; ++x) CHECK(uniform.at<cv::Vec4b>(0, x)[3] == 255);
}

TEST_CASE("blends are named ramp and uniform", "[blend]") {
  CHECK(parse_blend("ramp") == Blend::Ramp);
  CHECK(parse_blend("uniform") == Blend::Uniform);
  CHECK_THROWS_WITH(parse_blend("screen"), Catch::Contains("expected ramp, uniform"));
}
