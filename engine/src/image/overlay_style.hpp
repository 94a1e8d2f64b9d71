#pragma once
#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>

namespace vitlens {

// Line and text sizes for drawing over an image, relative to its shorter side (a 2 px line
// and 0.5 text scale at 500 px), so overlays read the same on a thumbnail and a 4K frame.
struct OverlayStyle {
  int line;
  double font_scale;
  int font_thickness;
};

inline OverlayStyle overlay_style(cv::Size image) {
  const double side = std::min(image.width, image.height);
  return {std::max(1, static_cast<int>(std::lround(side / 250))), std::max(0.35, side / 1000),
          std::max(1, static_cast<int>(std::lround(side / 500)))};
}

// Black text on light colours, white on dark ones.
inline cv::Scalar text_colour(const cv::Scalar& background) {
  const double luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
  return luma > 140 ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255);
}

}  // namespace vitlens
