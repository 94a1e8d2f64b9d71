#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include <opencv2/core.hpp>

namespace vitlens {

// Reads the pixel size an encoded image declares in its header (PNG, JPEG, BMP, WebP,
// TIFF) without decoding it, so that absurd sizes can be refused before the decoder
// allocates them. std::nullopt when the format is not one of these or the header is cut.
std::optional<cv::Size> declared_image_size(std::span<const uint8_t> bytes);

}  // namespace vitlens
