#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace vitlens {

// Decodes an image file (JPEG, PNG, BMP, TIFF, WebP, ...) into 8-bit RGB, honouring EXIF
// orientation; grey and alpha images become RGB (alpha composited onto white... see .cpp).
// Throws vitlens::Error naming the file when it is missing, empty or not a decodable image.
cv::Mat load_image_rgb(const std::string& path);

// Converts an 8-bit BGR(A)/grey frame as OpenCV delivers it into 8-bit RGB.
cv::Mat to_rgb(const cv::Mat& image);

}  // namespace vitlens
