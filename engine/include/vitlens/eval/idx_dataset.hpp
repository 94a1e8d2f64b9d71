#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace vitlens {

// Labelled grey images from a pair of IDX files (the MNIST / Fashion-MNIST format: big-endian
// header, unsigned bytes), plain or gzip-compressed.
struct IdxImages {
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image after image, row-major
  std::vector<int> labels;

  int count() const { return static_cast<int>(labels.size()); }
  // Image i as 8-bit grey (CV_8UC1), a view into `pixels`.
  cv::Mat image(int i) const;
};

// Reads an images file (magic 0x00000803: count, rows, cols) and a labels file (magic
// 0x00000801: count). Throws vitlens::Error naming the file when it cannot be read, is not
// IDX, is truncated, or when the two counts differ.
IdxImages read_idx_dataset(const std::string& images_path, const std::string& labels_path);

}  // namespace vitlens
