#include "vitlens/analysis/colormap.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr Colormap kAll[] = {Colormap::Viridis, Colormap::Inferno, Colormap::Magma,
                             Colormap::Turbo,   Colormap::Jet,     Colormap::Gray};

int opencv_colormap(Colormap colormap) {
  switch (colormap) {
    case Colormap::Viridis: return cv::COLORMAP_VIRIDIS;
    case Colormap::Inferno: return cv::COLORMAP_INFERNO;
    case Colormap::Magma: return cv::COLORMAP_MAGMA;
    case Colormap::Turbo: return cv::COLORMAP_TURBO;
    case Colormap::Jet: return cv::COLORMAP_JET;
    case Colormap::Gray: break;
  }
  return -1;
}

}  // namespace

const char* to_string(Colormap colormap) {
  switch (colormap) {
    case Colormap::Viridis: return "viridis";
    case Colormap::Inferno: return "inferno";
    case Colormap::Magma: return "magma";
    case Colormap::Turbo: return "turbo";
    case Colormap::Jet: return "jet";
    case Colormap::Gray: return "gray";
  }
  return "";
}

Colormap parse_colormap(const std::string& text) {
  std::string names;
  for (Colormap c : kAll) {
    if (text == to_string(c)) return c;
    names += std::string(names.empty() ? "" : ", ") + to_string(c);
  }
  throw Error("unknown colormap '" + text + "' (expected " + names + ")");
}

ValueRange value_range(const cv::Mat& map) {
  double low = 0, high = 0;
  cv::minMaxLoc(map, &low, &high);
  return {static_cast<float>(low), static_cast<float>(high)};
}

ValueRange merge(ValueRange a, ValueRange b) { return {std::min(a.low, b.low), std::max(a.high, b.high)}; }

cv::Mat normalise(const cv::Mat& map, ValueRange range) {
  if (!(range.high > range.low)) return cv::Mat(map.size(), CV_32F, cv::Scalar(0));
  cv::Mat unit = (map - range.low) / (range.high - range.low);
  cv::threshold(unit, unit, 1.0, 1.0, cv::THRESH_TRUNC);
  cv::threshold(unit, unit, 0.0, 0.0, cv::THRESH_TOZERO);
  return unit;
}

cv::Mat colorize(const cv::Mat& unit, Colormap colormap) {
  cv::Mat bytes;
  unit.convertTo(bytes, CV_8U, 255.0);
  cv::Mat rgb;
  if (colormap == Colormap::Gray) {
    cv::cvtColor(bytes, rgb, cv::COLOR_GRAY2RGB);
  } else {
    cv::Mat bgr;
    cv::applyColorMap(bytes, bgr, opencv_colormap(colormap));
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  }
  return rgb;
}

cv::Mat overlay(const cv::Mat& rgb, const cv::Mat& colours, double opacity) {
  if (!(opacity >= 0 && opacity <= 1)) throw Error("opacity " + std::to_string(opacity) + " is not in [0, 1]");
  cv::Mat out;
  cv::addWeighted(rgb, 1 - opacity, colours, opacity, 0, out);
  return out;
}

const char* to_string(Blend blend) { return blend == Blend::Ramp ? "ramp" : "uniform"; }

Blend parse_blend(const std::string& text) {
  for (Blend b : {Blend::Ramp, Blend::Uniform})
    if (text == to_string(b)) return b;
  throw Error("unknown blend '" + text + "' (expected ramp, uniform)");
}

cv::Mat overlay(const cv::Mat& rgb, const cv::Mat& colours, const cv::Mat& unit, double opacity, Blend blend) {
  if (blend == Blend::Uniform) return overlay(rgb, colours, opacity);
  if (!(opacity >= 0 && opacity <= 1)) throw Error("opacity " + std::to_string(opacity) + " is not in [0, 1]");
  if (unit.size() != rgb.size() || colours.size() != rgb.size())
    throw Error("overlay: the map, its colours and the image differ in size");
  cv::Mat alpha, alpha3, image, paint;
  unit.convertTo(alpha, CV_32F, opacity);
  cv::merge(std::vector<cv::Mat>(3, alpha), alpha3);
  rgb.convertTo(image, CV_32FC3);
  colours.convertTo(paint, CV_32FC3);
  cv::Mat blended = image + alpha3.mul(paint - image);
  cv::Mat out;
  blended.convertTo(out, CV_8UC3);
  return out;
}

cv::Mat with_alpha(const cv::Mat& colours, const cv::Mat& unit, Blend blend) {
  cv::Mat alpha;
  if (blend == Blend::Ramp)
    unit.convertTo(alpha, CV_8U, 255.0);
  else
    alpha = cv::Mat(colours.size(), CV_8U, cv::Scalar(255));
  cv::Mat rgba;
  cv::merge(std::vector<cv::Mat>{colours, alpha}, rgba);
  return rgba;
}

cv::Mat colour_bar(int height, int width, Colormap colormap) {
  cv::Mat ramp(height, width, CV_32F);
  for (int y = 0; y < height; ++y) ramp.row(y).setTo(height > 1 ? 1.0 - static_cast<double>(y) / (height - 1) : 1.0);
  return colorize(ramp, colormap);
}

}  // namespace vitlens
