#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace vitlens {

enum class Colormap { Viridis, Inferno, Magma, Turbo, Jet, Gray };
const char* to_string(Colormap colormap);
// "viridis", "inferno", "magma", "turbo", "jet", "gray"; throws vitlens::Error listing them.
Colormap parse_colormap(const std::string& text);

// The values a colormap's two ends stand for.
struct ValueRange {
  float low = 0;
  float high = 1;
};
ValueRange value_range(const cv::Mat& map);  // its minimum and maximum
ValueRange merge(ValueRange a, ValueRange b);

// (value - low) / (high - low), clamped to [0, 1]; all 0 for an empty range.
cv::Mat normalise(const cv::Mat& map, ValueRange range);

// Colours a CV_32F map of values in [0, 1] (OpenCV's colormaps; gray is linear): 8-bit RGB.
cv::Mat colorize(const cv::Mat& unit, Colormap colormap);

// How a coloured map is laid over the image.
enum class Blend {
  Ramp,     // a pixel's opacity grows with its value: low attention fades to the image itself
  Uniform,  // one opacity everywhere: the whole image is tinted, low values included
};
const char* to_string(Blend blend);
// "ramp", "uniform"; throws vitlens::Error listing them.
Blend parse_blend(const std::string& text);

// (1 - opacity) * image + opacity * colours, both 8-bit RGB of one size.
cv::Mat overlay(const cv::Mat& rgb, const cv::Mat& colours, double opacity);
// The same with `blend`: for Ramp each pixel's opacity is `opacity` times its value in
// `unit` (CV_32F in [0, 1], the size of the image: the map colorize drew `colours` from).
cv::Mat overlay(const cv::Mat& rgb, const cv::Mat& colours, const cv::Mat& unit, double opacity, Blend blend);

// `colours` with an alpha channel for a front end that blends itself: 8-bit RGBA whose alpha
// is 255 * unit (Ramp) or 255 (Uniform); the front end applies the opacity.
cv::Mat with_alpha(const cv::Mat& colours, const cv::Mat& unit, Blend blend);

// A vertical strip of the colormap, high values on top: 8-bit RGB height x width.
cv::Mat colour_bar(int height, int width, Colormap colormap);

}  // namespace vitlens
