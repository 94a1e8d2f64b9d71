#include "image/header.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace vitlens {
namespace {

using namespace std::string_view_literals;
using Bytes = std::span<const uint8_t>;

bool has(Bytes b, size_t offset, size_t count) { return offset <= b.size() && count <= b.size() - offset; }

uint32_t be16(Bytes b, size_t o) { return uint32_t{b[o]} << 8 | b[o + 1]; }
uint32_t be32(Bytes b, size_t o) { return be16(b, o) << 16 | be16(b, o + 2); }
uint32_t le16(Bytes b, size_t o) { return uint32_t{b[o + 1]} << 8 | b[o]; }
uint32_t le24(Bytes b, size_t o) { return uint32_t{b[o + 2]} << 16 | le16(b, o); }
uint32_t le32(Bytes b, size_t o) { return le16(b, o + 2) << 16 | le16(b, o); }

bool starts_with(Bytes b, size_t offset, std::string_view magic) {
  return has(b, offset, magic.size()) && std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
}

std::optional<cv::Size> size_of(uint64_t width, uint64_t height) {
  constexpr uint64_t kIntMax = 0x7fffffff;
  if (width == 0 || height == 0) return std::nullopt;
  return cv::Size(static_cast<int>(std::min(width, kIntMax)), static_cast<int>(std::min(height, kIntMax)));
}

std::optional<cv::Size> png_size(Bytes b) {
  if (!starts_with(b, 0, "\x89PNG\r\n\x1a\n"sv) || !starts_with(b, 12, "IHDR") || !has(b, 16, 8)) return std::nullopt;
  return size_of(be32(b, 16), be32(b, 20));
}

bool is_jpeg_frame_marker(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the marker segments up to the first start-of-frame, which holds the size.
std::optional<cv::Size> jpeg_size(Bytes b) {
  if (!has(b, 0, 3) || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
  size_t pos = 2;
  while (has(b, pos, 2) && b[pos] == 0xFF) {
    const uint8_t marker = b[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // segments without length
      pos += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9 || !has(b, pos + 2, 2)) return std::nullopt;
    if (is_jpeg_frame_marker(marker)) {
      if (!has(b, pos + 5, 4)) return std::nullopt;
      return size_of(be16(b, pos + 7), be16(b, pos + 5));
    }
    pos += 2 + be16(b, pos + 2);
  }
  return std::nullopt;
}

std::optional<cv::Size> bmp_size(Bytes b) {
  if (!starts_with(b, 0, "BM") || !has(b, 14, 12)) return std::nullopt;
  if (le32(b, 14) == 12) return size_of(le16(b, 18), le16(b, 20));  // OS/2 core header
  const auto height = static_cast<int32_t>(le32(b, 22));               // negative: top-down rows
  return size_of(le32(b, 18), static_cast<uint64_t>(std::llabs(height)));
}

std::optional<cv::Size> webp_size(Bytes b) {
  if (!starts_with(b, 0, "RIFF") || !starts_with(b, 8, "WEBP")) return std::nullopt;
  if (starts_with(b, 12, "VP8X") && has(b, 24, 6)) return size_of(le24(b, 24) + 1ull, le24(b, 27) + 1ull);
  if (starts_with(b, 12, "VP8L") && has(b, 21, 4)) {
    const uint32_t bits = le32(b, 21);
    return size_of((bits & 0x3FFF) + 1ull, ((bits >> 14) & 0x3FFF) + 1ull);
  }
  if (starts_with(b, 12, "VP8 ") && has(b, 26, 4)) return size_of(le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  return std::nullopt;
}

// Classic TIFF only: the first image file directory's ImageWidth (256) and ImageLength (257).
std::optional<cv::Size> tiff_size(Bytes b) {
  const bool little = starts_with(b, 0, "II*");
  if (!(little || starts_with(b, 0, "MM\0*"sv)) || !has(b, 0, 8)) return std::nullopt;
  auto u16 = [&](size_t o) { return little ? le16(b, o) : be16(b, o); };
  auto u32 = [&](size_t o) { return little ? le32(b, o) : be32(b, o); };
  const size_t ifd = u32(4);
  if (!has(b, ifd, 2)) return std::nullopt;
  uint64_t width = 0, height = 0;
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries && has(b, ifd + 2 + 12 * i, 12); ++i) {
    const size_t entry = ifd + 2 + 12 * i;
    const uint32_t tag = u16(entry);
    const uint32_t value = u16(entry + 2) == 3 ? u16(entry + 8) : u32(entry + 8);  // type 3 = SHORT
    if (tag == 256) width = value;
    if (tag == 257) height = value;
  }
  return size_of(width, height);
}

}  // namespace

std::optional<cv::Size> declared_image_size(std::span<const uint8_t> bytes) {
  for (auto probe : {png_size, jpeg_size, bmp_size, webp_size, tiff_size})
    if (auto size = probe(bytes)) return size;
  return std::nullopt;
}

}  // namespace vitlens
