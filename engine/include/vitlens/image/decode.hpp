#pragma once
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace vitlens {

// Largest image load_image_rgb accepts (20000 x 20000). Beyond that a decoded RGB image
// needs more than 1.2 GB, which is never a sensible input for a 224-pixel model.
inline constexpr int64_t kMaxImagePixels = 400'000'000;

// Decodes an image file (JPEG, PNG, BMP, TIFF, WebP; whatever OpenCV's imgcodecs reads)
// into 8-bit RGB (CV_8UC3, R first), the way the reference pipelines' PIL
// `Image.open(path).convert("RGB")` sees it: EXIF orientation applied, grey replicated to
// three channels, alpha DROPPED without compositing (transparent pixels keep their stored
// colour), 16-bit samples reduced to their high byte.
// Throws vitlens::Error naming the file when it is missing, empty, not a decodable image,
// or larger than kMaxImagePixels (checked from the header before decoding for PNG, JPEG,
// BMP, TIFF and WebP).
cv::Mat load_image_rgb(const std::string& path);

// Converts a frame as OpenCV delivers it (grey, BGR or BGRA; 8- or 16-bit, 16-bit reduced
// to the high byte) into 8-bit RGB. Throws vitlens::Error for other layouts.
cv::Mat to_rgb(const cv::Mat& image);

}  // namespace vitlens
