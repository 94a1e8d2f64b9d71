#include "canvas/image_conversion.hpp"

namespace vitlens::gui {

QImage to_qimage(const cv::Mat& rgb) {
  CV_Assert(rgb.type() == CV_8UC3 || rgb.type() == CV_8UC4);
  const QImage view(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step),
                    rgb.channels() == 4 ? QImage::Format_RGBA8888 : QImage::Format_RGB888);
  return view.copy();
}

}  // namespace vitlens::gui
