// The image header reader that checks PNG, JPEG, BMP, TIFF and WebP sizes before OpenCV
// decodes anything (OpenCV itself is not instrumented: see docs/fuzzing.md).
#include <cstddef>
#include <cstdint>
#include <span>

#include "image/header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)vitlens::declared_image_size(std::span<const uint8_t>(data, size));
  return 0;
}
