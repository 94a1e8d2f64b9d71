#include "vitlens/analysis/upsampling.hpp"

#include <opencv2/imgproc.hpp>

#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

const char* to_string(Upsampling upsampling) { return upsampling == Upsampling::Nearest ? "nearest" : "bilinear"; }

Upsampling parse_upsampling(const std::string& text) {
  for (Upsampling u : {Upsampling::Nearest, Upsampling::Bilinear})
    if (text == to_string(u)) return u;
  throw Error("upsampling '" + text + "' is not one of nearest, bilinear");
}

cv::Mat upsample_to_image(const cv::Mat& map, cv::Size image, const PreprocessConfig& preprocess,
                          Upsampling upsampling, cv::Size output) {
  CV_Assert(map.type() == CV_32F && !map.empty());
  const InputGeometry geometry = input_geometry(image, preprocess);
  // Output pixels per resized pixel, then per grid cell (a cell spans crop / grid pixels).
  const double sx = static_cast<double>(output.width) / geometry.resized.width;
  const double sy = static_cast<double>(output.height) / geometry.resized.height;
  const double ax = sx * geometry.crop.width / map.cols, bx = sx * geometry.crop.x;
  const double ay = sy * geometry.crop.height / map.rows, by = sy * geometry.crop.y;
  // Pixel centres: source index i sits at corner coordinate i + 0.5, so the inverse map is
  // src = (dst + 0.5 - b) / a - 0.5.
  const cv::Matx23d inverse(1 / ax, 0, (0.5 - bx) / ax - 0.5, 0, 1 / ay, (0.5 - by) / ay - 0.5);
  cv::Mat out;
  cv::warpAffine(map, out, inverse, output,
                 (upsampling == Upsampling::Nearest ? cv::INTER_NEAREST : cv::INTER_LINEAR) | cv::WARP_INVERSE_MAP,
                 cv::BORDER_REPLICATE);
  const cv::Rect covered(cv::Point(static_cast<int>(std::lround(bx)), static_cast<int>(std::lround(by))),
                         cv::Point(static_cast<int>(std::lround(bx + ax * map.cols)),
                                   static_cast<int>(std::lround(by + ay * map.rows))));
  cv::Mat mask(output, CV_8U, cv::Scalar(1));
  mask(covered & cv::Rect(cv::Point(0, 0), output)).setTo(0);
  out.setTo(0, mask);
  return out;
}

}  // namespace vitlens
