#pragma once
// Access to tests/fixtures/images, written by tools/make_preprocess_fixtures.py from
// Pillow 9.4 and numpy: test images, what Pillow decodes them to, Pillow resizes and the
// Hugging Face pre-processing pipeline's output.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vitlens::test {

inline std::string image_fixture(const std::string& name) {
  return std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/images/" + name;
}

inline const nlohmann::json& image_manifest() {
  static const nlohmann::json manifest = [] {
    std::ifstream in(image_fixture("manifest.json"));
    return nlohmann::json::parse(in);
  }();
  return manifest;
}

// Reference images are lossless 8-bit RGB PNGs; OpenCV hands them over as BGR.
inline cv::Mat read_reference_rgb(const std::string& name) {
  cv::Mat rgb;
  cv::cvtColor(cv::imread(image_fixture(name), cv::IMREAD_COLOR), rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

inline int max_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 256;
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  double max_value = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &max_value);
  return static_cast<int>(max_value);
}

// A folder under the system temp directory, unique to one test, removed afterwards.
class TempFolder {
 public:
  explicit TempFolder(const std::string& test)
      : path_(std::filesystem::temp_directory_path() / ("vitlens_" + test + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace vitlens::test
