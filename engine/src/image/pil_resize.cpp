// A re-implementation of Pillow's Image.resize for 8-bit RGB (Pillow 9.4,
// src/libImaging/Resample.c and Geometry.c), so that the engine sees the same pixels as
// the Python reference pipelines. Bit-exact by construction: same filter support scaled
// by the downscale factor, same coefficient normalisation, same 22-bit fixed-point
// weights and rounding, horizontal pass first into an 8-bit intermediate image.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

struct Filter {
  double (*weight)(double);
  double support;
};

double bilinear(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic(double x) {  // Keys kernel with a = -0.5, as Pillow
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}

double lanczos3(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0; }

Filter filter_for(Resample resample) {
  switch (resample) {
    case Resample::Bilinear: return {bilinear, 1.0};
    case Resample::Bicubic: return {bicubic, 2.0};
    case Resample::Lanczos: return {lanczos3, 3.0};
    case Resample::Nearest: break;
  }
  throw Error("resize_like_pil: filter has no convolution kernel");
}

constexpr int kPrecisionBits = 32 - 8 - 2;

// For each output pixel: the first input pixel it reads, how many, and their weights.
struct Taps {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;  // ksize per output pixel, fixed point
};

int32_t to_fixed(double w) {
  return static_cast<int32_t>(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc, including its float box edges.
Taps compute_taps(int in_size, int out_size, const Filter& filter) {
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filter.support * filterscale;
  const double inverse_filterscale = 1.0 / filterscale;  // multiplied, not divided: rounding as Pillow
  Taps taps;
  taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<size_t>(out_size) * taps.ksize, 0);
  std::vector<double> k(taps.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double total = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = filter.weight((x + xmin - center + 0.5) * inverse_filterscale);
      total += k[x];
    }
    for (int x = 0; x < xmax; ++x)
      taps.weights[static_cast<size_t>(xx) * taps.ksize + x] = to_fixed(total != 0.0 ? k[x] / total : k[x]);
    taps.first[xx] = xmin;
    taps.count[xx] = xmax;
  }
  return taps;
}

uint8_t clip8(int32_t sum) { return static_cast<uint8_t>(std::clamp(sum >> kPrecisionBits, 0, 255)); }

cv::Mat resample_horizontal(const cv::Mat& in, int first_row, int rows, int out_width, const Taps& taps) {
  cv::Mat out(rows, out_width, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = in.ptr<uint8_t>(first_row + y);
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int xx = 0; xx < out_width; ++xx) {
      const int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
      const uint8_t* p = src + 3 * taps.first[xx];
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < taps.count[xx]; ++x, p += 3) {
        s0 += p[0] * k[x];
        s1 += p[1] * k[x];
        s2 += p[2] * k[x];
      }
      dst[3 * xx] = clip8(s0);
      dst[3 * xx + 1] = clip8(s1);
      dst[3 * xx + 2] = clip8(s2);
    }
  }
  return out;
}

// `taps.first` is relative to row `row_offset` of `in`.
cv::Mat resample_vertical(const cv::Mat& in, int row_offset, int out_height, const Taps& taps) {
  const int values = in.cols * 3;
  cv::Mat out(out_height, in.cols, CV_8UC3);
  std::vector<int32_t> sums(values);
  for (int yy = 0; yy < out_height; ++yy) {
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    const int32_t* k = &taps.weights[static_cast<size_t>(yy) * taps.ksize];
    for (int y = 0; y < taps.count[yy]; ++y) {
      const uint8_t* src = in.ptr<uint8_t>(taps.first[yy] - row_offset + y);
      for (int i = 0; i < values; ++i) sums[i] += src[i] * k[y];
    }
    uint8_t* dst = out.ptr<uint8_t>(yy);
    for (int i = 0; i < values; ++i) dst[i] = clip8(sums[i]);
  }
  return out;
}

// Pillow's ImagingResampleInner: only the rows the vertical pass reads are resampled
// horizontally; a pass whose size does not change is skipped.
cv::Mat resample_separable(const cv::Mat& rgb, int width, int height, const Filter& filter) {
  const Taps vertical = compute_taps(rgb.rows, height, filter);
  const int first_row = vertical.first.front();
  const int last_row = vertical.first.back() + vertical.count.back();
  cv::Mat horizontal = rgb;
  int row_offset = 0;
  if (width != rgb.cols) {
    horizontal = resample_horizontal(rgb, first_row, last_row - first_row, width, compute_taps(rgb.cols, width, filter));
    row_offset = first_row;
  }
  if (height == rgb.rows) return horizontal.clone();
  return resample_vertical(horizontal, row_offset, height, vertical);
}

int nearest_source(double position) { return position < 0.0 ? -1 : static_cast<int>(position); }

// Pillow's ImagingScaleAffine: positions accumulate in double, as there.
cv::Mat resample_nearest(const cv::Mat& rgb, int width, int height) {
  const double step_x = static_cast<double>(rgb.cols) / width;
  const double step_y = static_cast<double>(rgb.rows) / height;
  std::vector<int> source_x(width);
  double xo = step_x * 0.5;
  for (int x = 0; x < width; ++x, xo += step_x) source_x[x] = std::min(nearest_source(xo), rgb.cols - 1);
  cv::Mat out(height, width, CV_8UC3);
  double yo = step_y * 0.5;
  for (int y = 0; y < height; ++y, yo += step_y) {
    const auto* src = rgb.ptr<cv::Vec3b>(std::min(nearest_source(yo), rgb.rows - 1));
    auto* dst = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < width; ++x) dst[x] = src[source_x[x]];
  }
  return out;
}

}  // namespace

cv::Mat resize_like_pil(const cv::Mat& rgb, int width, int height, Resample filter) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error("resize_like_pil: expected a non-empty 8-bit RGB image");
  if (width <= 0 || height <= 0)
    throw Error("resize_like_pil: target size " + std::to_string(width) + "x" + std::to_string(height) + " is not positive");
  if (width == rgb.cols && height == rgb.rows) return rgb.clone();
  if (filter == Resample::Nearest) return resample_nearest(rgb, width, height);
  return resample_separable(rgb, width, height, filter_for(filter));
}

}  // namespace vitlens
