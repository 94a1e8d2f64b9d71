#include "canvas/image_conversion.hpp"

namespace vitlens::gui {

QImage to_qimage(const cv::Mat& rgb) {
  CV_Assert(rgb.type() == CV_8UC3);
  const QImage view(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step), QImage::Format_RGB888);
  return view.copy();
}

}  // namespace vitlens::gui
