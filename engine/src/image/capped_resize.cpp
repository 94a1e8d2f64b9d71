#include "image/capped_resize.hpp"

#include <cmath>
#include <optional>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

std::string size_string(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

void check_settings(const PreprocessConfig& c) {
  if (c.shortest_edge <= 0 || c.longest_edge <= 0 || c.size_multiple <= 0)
    throw Error("pre-processing: shortest_edge " + std::to_string(c.shortest_edge) + ", longest_edge " +
                std::to_string(c.longest_edge) + " and the size multiple " + std::to_string(c.size_multiple) +
                " must all be positive");
}

// Python's round(): ties go to the even neighbour.
int round_half_even(double value) {
  const double nearest = std::round(value);
  const bool tie = std::abs(value - std::trunc(value)) == 0.5;
  return static_cast<int>(tie ? 2.0 * std::round(value / 2.0) : nearest);
}

}  // namespace

cv::Size capped_resized_size(cv::Size in, const PreprocessConfig& c) {
  check_settings(c);
  const int64_t height = in.height, width = in.width;
  const double short_side = static_cast<double>(std::min(height, width));
  const double long_side = static_cast<double>(std::max(height, width));
  int size = c.shortest_edge;
  std::optional<double> raw;
  if (long_side / short_side * size > c.longest_edge) {
    raw = c.longest_edge * short_side / long_side;
    size = round_half_even(*raw);
  }
  // int(size * a / b) in Python: an exact integer product, one correctly rounded division.
  const auto scaled = [&](int64_t a, int64_t b) {
    return static_cast<int64_t>(raw ? *raw * static_cast<double>(a) / static_cast<double>(b)
                                    : static_cast<double>(size * a) / static_cast<double>(b));
  };
  int64_t out_height, out_width;
  if (width < height) {
    out_width = size;
    out_height = scaled(height, width);
  } else if ((height <= width && height == size) || (width <= height && width == size)) {
    out_height = height;
    out_width = width;
  } else {
    out_height = size;
    out_width = scaled(width, height);
  }
  out_height -= out_height % c.size_multiple;
  out_width -= out_width % c.size_multiple;
  if (out_height <= 0 || out_width <= 0)
    throw Error("pre-processing: a " + size_string(in.width, in.height) + " image resized to shortest edge " +
                std::to_string(c.shortest_edge) + " (longest edge at most " + std::to_string(c.longest_edge) +
                ") and floored to multiples of " + std::to_string(c.size_multiple) + " becomes " +
                size_string(static_cast<int>(out_width), static_cast<int>(out_height)) +
                ": the image is too small or too elongated");
  return {static_cast<int>(out_width), static_cast<int>(out_height)};
}

}  // namespace vitlens
