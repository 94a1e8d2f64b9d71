#include "vitlens/live/overlay.hpp"

#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "image/overlay_style.hpp"
#include "vitlens/detection/overlay.hpp"

namespace vitlens {

namespace {

constexpr int kShownClasses = 3;

std::string format(const char* pattern, double value) {
  char text[48];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Lines of white text on a darkened band at the top left (or the bottom left), so they read
// on any frame; `scale` shrinks the text for secondary information.
void draw_lines(cv::Mat& canvas, const std::vector<std::string>& lines, bool from_bottom, double scale = 1.0) {
  if (lines.empty()) return;
  OverlayStyle style = overlay_style(canvas.size());
  style.font_scale *= scale;
  const int pad = std::max(2, style.line * 2);
  int baseline = 0;
  const int line_height =
      cv::getTextSize("Ag", cv::FONT_HERSHEY_SIMPLEX, style.font_scale, style.font_thickness, &baseline).height +
      baseline + pad;
  int width = 0;
  for (const std::string& line : lines)
    width = std::max(width, cv::getTextSize(line, cv::FONT_HERSHEY_SIMPLEX, style.font_scale, style.font_thickness,
                                            &baseline).width);
  const int height = line_height * static_cast<int>(lines.size()) + pad;
  const cv::Rect band = cv::Rect(0, from_bottom ? canvas.rows - height : 0, width + 2 * pad, height) &
                        cv::Rect(0, 0, canvas.cols, canvas.rows);
  cv::Mat region = canvas(band);
  region.convertTo(region, -1, 0.4);  // darken to 40%
  for (size_t i = 0; i < lines.size(); ++i) {
    const int y = band.y + pad + line_height * static_cast<int>(i + 1) - baseline - pad / 2;
    cv::putText(canvas, lines[i], {band.x + pad, y}, cv::FONT_HERSHEY_SIMPLEX, style.font_scale, cv::Scalar(255, 255, 255),
                style.font_thickness, cv::LINE_AA);
  }
}

std::vector<std::string> class_lines(const std::vector<Prediction>& predictions) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < predictions.size() && i < kShownClasses; ++i)
    lines.push_back(predictions[i].label + format("  %.2f", predictions[i].probability));
  return lines;
}

}  // namespace

std::string describe(const LiveStats& stats) {
  return format("capture %.1f fps", stats.capture_fps) + format(" | inference %.1f fps", stats.inference_fps) +
         format(", %.0f ms", stats.inference_ms) + format(" | latency mean %.0f ms", stats.mean_latency_ms) +
         format(", p95 %.0f ms", stats.p95_latency_ms) + " | " +
         std::to_string(stats.dropped) + " dropped";
}

cv::Mat draw_live_overlay(const cv::Mat& frame, const LiveResult* latest, const LiveStats& stats) {
  cv::Mat canvas = latest && !latest->detections.empty() ? draw_detections(frame, latest->detections) : frame.clone();
  if (latest) draw_lines(canvas, class_lines(latest->predictions), false);
  draw_lines(canvas, {describe(stats)}, true, 0.7);
  return canvas;
}

}  // namespace vitlens
