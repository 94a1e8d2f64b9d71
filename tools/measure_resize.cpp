// Compares OpenCV's cv::resize and vitlens::resize_like_pil with Pillow's Image.resize on
// the comparison set tools/make_preprocess_fixtures.py --measurement-dir DIR writes, and
// prints the Markdown table of docs/preprocessing.md.
//
// Build against an engine built in BUILD (it needs only OpenCV at link time):
//   g++ -std=c++20 -O2 -I engine/include tools/measure_resize.cpp BUILD/engine/libvitlens_engine.a $(pkg-config --cflags --libs opencv4) -o /tmp/measure_resize
//   /tmp/measure_resize DIR
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vitlens/image/preprocess.hpp"

namespace {

struct Difference {
  double max_levels = 0;
  double mean_levels = 0;
};

Difference difference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  Difference d;
  cv::minMaxLoc(diff.reshape(1), nullptr, &d.max_levels);
  d.mean_levels = cv::mean(diff.reshape(1))[0];
  return d;
}

cv::Mat read_rgb(const std::string& path) {
  cv::Mat rgb;
  cv::cvtColor(cv::imread(path, cv::IMREAD_COLOR), rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// One level in normalised units with the smallest ImageNet std (0.224): the worst case.
std::string cell(const Difference& d) {
  constexpr double kNormalisedPerLevel = 1.0 / 255.0 / 0.224;
  std::ostringstream s;
  s << std::fixed << std::setprecision(0) << d.max_levels << " / " << std::setprecision(3) << d.mean_levels << " ("
    << std::setprecision(3) << d.max_levels * kNormalisedPerLevel << ")";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: measure_resize DIR\n";
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(dir + "manifest.json"));
  std::cout << "| source | output | PIL filter | INTER_LINEAR | INTER_AREA | INTER_CUBIC | resize_like_pil |\n"
            << "|---|---|---|---|---|---|---|\n";
  for (const auto& entry : manifest["resizes"]) {
    const cv::Mat source = read_rgb(dir + entry["source"].get<std::string>());
    const cv::Mat reference = read_rgb(dir + entry["reference"].get<std::string>());
    const cv::Size size(entry["width"], entry["height"]);
    const std::string filter = entry["filter"];
    std::cout << "| " << entry["source"].get<std::string>() << " | " << size.width << "x" << size.height << " | " << filter;
    for (int interpolation : {cv::INTER_LINEAR, cv::INTER_AREA, cv::INTER_CUBIC}) {
      cv::Mat resized;
      cv::resize(source, resized, size, 0, 0, interpolation);
      std::cout << " | " << cell(difference(resized, reference));
    }
    const auto resample = filter == "bicubic" ? vitlens::Resample::Bicubic : vitlens::Resample::Bilinear;
    std::cout << " | " << cell(difference(vitlens::resize_like_pil(source, size.width, size.height, resample), reference))
              << " |\n";
  }
}
