#include "vitlens/detection/overlay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "image/overlay_style.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr double kGoldenAngle = 137.508;  // degrees

std::string caption(const Detection& d) {
  char score[16];
  std::snprintf(score, sizeof score, "%.2f", d.score);
  return d.label + " " + score;
}

void draw_one(cv::Mat& canvas, const Detection& d, const OverlayStyle& style) {
  const cv::Rect bounds(0, 0, canvas.cols, canvas.rows);
  const cv::Rect box = cv::Rect(cv::Point(static_cast<int>(std::floor(d.box.x)), static_cast<int>(std::floor(d.box.y))),
                                cv::Point(static_cast<int>(std::ceil(d.box.x + d.box.width)),
                                          static_cast<int>(std::ceil(d.box.y + d.box.height)))) & bounds;
  if (box.empty()) return;
  const cv::Scalar colour = class_colour(d.label_id);
  cv::rectangle(canvas, box, colour, style.line, cv::LINE_AA);

  const std::string text = caption(d);
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, style.font_scale, style.font_thickness, &baseline);
  const int pad = std::max(2, style.line);
  const int height = size.height + baseline + 2 * pad;
  const int top = box.y - height >= 0 ? box.y - height : box.y;  // above the box, else inside it
  const cv::Rect label(box.x, top, size.width + 2 * pad, height);
  cv::rectangle(canvas, label & bounds, colour, cv::FILLED);
  cv::putText(canvas, text, {label.x + pad, label.y + pad + size.height}, cv::FONT_HERSHEY_SIMPLEX, style.font_scale,
              text_colour(colour), style.font_thickness, cv::LINE_AA);
}

}  // namespace

cv::Scalar class_colour(int label_id) {
  const double hue = std::fmod(label_id * kGoldenAngle, 360.0);
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue / 2, 220, 240));  // OpenCV's 8-bit hue is degrees / 2
  cv::Mat rgb;
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
  const cv::Vec3b c = rgb.at<cv::Vec3b>(0, 0);
  return {static_cast<double>(c[0]), static_cast<double>(c[1]), static_cast<double>(c[2])};
}

cv::Mat draw_detections(const cv::Mat& rgb, const std::vector<Detection>& detections) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error("detection overlay: expected a non-empty 8-bit RGB image");
  cv::Mat canvas = rgb.clone();
  const OverlayStyle style = overlay_style(canvas.size());
  for (const Detection& d : detections) draw_one(canvas, d, style);
  return canvas;
}

}  // namespace vitlens
