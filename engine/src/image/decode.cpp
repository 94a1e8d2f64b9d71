#include "vitlens/image/decode.hpp"

#include <cstdint>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/header.hpp"
#include "util/regular_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

std::string size_string(cv::Size size) { return std::to_string(size.width) + "x" + std::to_string(size.height); }

void check_pixel_limit(cv::Size size, const std::string& path) {
  if (static_cast<int64_t>(size.width) * size.height > kMaxImagePixels)
    throw Error(path + ": image is " + size_string(size) + " pixels, more than the supported " +
                std::to_string(kMaxImagePixels / 1'000'000) + " megapixels");
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  require_regular_file(path);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot be opened for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) throw Error(path + ": read error");
  if (bytes.empty()) throw Error(path + ": file is empty (0 bytes), not an image");
  return bytes;
}

// IMREAD_COLOR is what gives PIL's convert("RGB") semantics: EXIF orientation applied,
// grey expanded, alpha dropped without compositing, 16-bit reduced to the high byte.
cv::Mat decode_bgr(const std::vector<uint8_t>& bytes, const std::string& path) {
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw Error(path + ": image data is corrupt (" + e.err + ")");
  }
  if (bgr.empty()) throw Error(path + ": not a decodable image (JPEG, PNG, BMP, TIFF or WebP expected)");
  return bgr;
}

cv::Mat high_byte(const cv::Mat& image16) {
  cv::Mat image8(image16.size(), CV_MAKETYPE(CV_8U, image16.channels()));
  const int values_per_row = image16.cols * image16.channels();
  for (int y = 0; y < image16.rows; ++y) {
    const auto* in = image16.ptr<uint16_t>(y);
    auto* out = image8.ptr<uint8_t>(y);
    for (int i = 0; i < values_per_row; ++i) out[i] = static_cast<uint8_t>(in[i] >> 8);
  }
  return image8;
}

}  // namespace

cv::Mat load_image_rgb(const std::string& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  if (auto declared = declared_image_size(bytes)) check_pixel_limit(*declared, path);
  cv::Mat bgr = decode_bgr(bytes, path);
  check_pixel_limit(bgr.size(), path);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat to_rgb(const cv::Mat& image) {
  if (image.empty()) throw Error("cannot convert an empty frame to RGB");
  if (image.depth() != CV_8U && image.depth() != CV_16U)
    throw Error("frame has pixel depth " + std::to_string(image.depth()) + "; only 8- and 16-bit frames are supported");
  const cv::Mat image8 = image.depth() == CV_16U ? high_byte(image) : image;
  cv::Mat rgb;
  switch (image8.channels()) {
    case 1: cv::cvtColor(image8, rgb, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(image8, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(image8, rgb, cv::COLOR_BGRA2RGB); break;
    default:
      throw Error("frame has " + std::to_string(image8.channels()) + " channels; expected 1 (grey), 3 (BGR) or 4 (BGRA)");
  }
  return rgb;
}

}  // namespace vitlens
