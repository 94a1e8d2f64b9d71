#include "vitlens/image/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "image/capped_resize.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

std::string size_string(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

void check_config(const PreprocessConfig& c) {
  const bool exact = c.resize_mode == PreprocessConfig::ResizeMode::Exact ||
                     c.resize_mode == PreprocessConfig::ResizeMode::Cover;
  if (c.do_resize && exact && (c.width <= 0 || c.height <= 0))
    throw Error("pre-processing: resize size " + size_string(c.width, c.height) + " is not positive");
  if (c.do_resize && !exact && c.shortest_edge <= 0)
    throw Error("pre-processing: shortest_edge " + std::to_string(c.shortest_edge) + " is not positive");
  if (c.do_center_crop && (c.crop_width <= 0 || c.crop_height <= 0))
    throw Error("pre-processing: crop size " + size_string(c.crop_width, c.crop_height) + " is not positive");
  if (c.do_normalize)
    for (float s : c.std)
      if (s == 0.0f) throw Error("pre-processing: a normalisation std is 0");
}

// transformers' get_resize_output_image_size(default_to_square=False): the long side is
// int(shortest_edge * long / short), i.e. floored (torchvision's Resize(int) does the same).
// timm's ResizeKeepRatio(longest=0): ratio = min(h / target_h, w / target_w), each side
// round(side / ratio) with Python's round (half to even, which nearbyint does by default).
cv::Size cover_size(cv::Size in, const PreprocessConfig& c) {
  const double ratio = std::min(static_cast<double>(in.height) / c.height, static_cast<double>(in.width) / c.width);
  const double width = std::nearbyint(in.width / ratio), height = std::nearbyint(in.height / ratio);
  if (width * height > static_cast<double>(kMaxImagePixels))
    throw Error("pre-processing: resizing a " + size_string(in.width, in.height) + " image to cover " +
                size_string(c.width, c.height) + " gives more than " + std::to_string(kMaxImagePixels) + " pixels");
  return {static_cast<int>(width), static_cast<int>(height)};
}

cv::Size resized_size(cv::Size in, const PreprocessConfig& c) {
  if (c.resize_mode == PreprocessConfig::ResizeMode::Exact) return {c.width, c.height};
  if (c.resize_mode == PreprocessConfig::ResizeMode::Cover) return cover_size(in, c);
  if (c.resize_mode == PreprocessConfig::ResizeMode::ShortestEdgeCapped) return capped_resized_size(in, c);
  const int64_t short_side = std::min(in.width, in.height), long_side = std::max(in.width, in.height);
  const int64_t new_long = c.shortest_edge * long_side / short_side;
  if (new_long > kMaxImagePixels / c.shortest_edge)
    throw Error("pre-processing: resizing a " + size_string(in.width, in.height) + " image to shortest edge " +
                std::to_string(c.shortest_edge) + " gives more than " + std::to_string(kMaxImagePixels) + " pixels");
  const int n = static_cast<int>(new_long);
  return in.width <= in.height ? cv::Size(c.shortest_edge, n) : cv::Size(n, c.shortest_edge);
}

// Half of a non-negative crop margin: floored (transformers' (h - crop_h) // 2) or, as
// torchvision's int(round((h - crop_h) / 2.0)), rounded half to even.
int half_margin(int margin, PreprocessConfig::CropRounding rounding) {
  const int half = margin / 2;
  const bool odd = margin % 2 != 0;
  return rounding == PreprocessConfig::CropRounding::HalfEven && odd && half % 2 != 0 ? half + 1 : half;
}

// transformers' center_crop, and an image smaller than the crop is centred on zeros,
// placed ceil((crop - h) / 2) in.
cv::Rect center_crop_rect(cv::Size in, const PreprocessConfig& c) {
  const auto offset = [&](int size, int crop) {
    return size >= crop ? half_margin(size - crop, c.crop_rounding) : -((crop - size + 1) / 2);
  };
  return {offset(in.width, c.crop_width), offset(in.height, c.crop_height), c.crop_width, c.crop_height};
}

cv::Mat center_crop(const cv::Mat& rgb, cv::Rect crop) {
  cv::Mat out(crop.height, crop.width, CV_8UC3, cv::Scalar::all(0));
  const cv::Rect source = crop & cv::Rect(0, 0, rgb.cols, rgb.rows);
  rgb(source).copyTo(out(cv::Rect(source.x - crop.x, source.y - crop.y, source.width, source.height)));
  return out;
}

// As transformers' rescale (float64 multiply, then float32) and normalize (float32).
Tensor to_normalised_tensor(const cv::Mat& rgb, const PreprocessConfig& c) {
  Tensor tensor({3, rgb.rows, rgb.cols});
  const size_t plane = static_cast<size_t>(rgb.rows) * rgb.cols;
  for (int ch = 0; ch < 3; ++ch) {
    float lut[256];
    for (int v = 0; v < 256; ++v) {
      float x = c.do_rescale ? static_cast<float>(v * c.rescale_factor) : static_cast<float>(v);
      if (c.do_normalize) x = (x - c.mean[ch]) / c.std[ch];
      lut[v] = x;
    }
    float* out = tensor.ptr() + ch * plane;
    for (int y = 0; y < rgb.rows; ++y) {
      const uint8_t* row = rgb.ptr<uint8_t>(y);
      for (int x = 0; x < rgb.cols; ++x) *out++ = lut[row[3 * x + ch]];
    }
  }
  return tensor;
}

}  // namespace

InputGeometry input_geometry(cv::Size image, const PreprocessConfig& config) {
  check_config(config);
  InputGeometry geometry;
  geometry.resized = config.do_resize ? resized_size(image, config) : image;
  geometry.crop = config.do_center_crop ? center_crop_rect(geometry.resized, config)
                                        : cv::Rect(cv::Point(0, 0), geometry.resized);
  return geometry;
}

Tensor preprocess(const cv::Mat& rgb, const PreprocessConfig& config) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error("pre-processing: expected a non-empty 8-bit RGB image");
  const InputGeometry geometry = input_geometry(rgb.size(), config);
  cv::Mat image = rgb;
  if (config.do_resize) image = resize_like_pil(rgb, geometry.resized.width, geometry.resized.height, config.resample);
  if (config.do_center_crop) image = center_crop(image, geometry.crop);
  return to_normalised_tensor(image, config);
}

}  // namespace vitlens
