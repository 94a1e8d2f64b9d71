#include "image_conversion.hpp"

namespace vitlens::gui {

QImage to_qimage(const cv::Mat& rgb) {
  CV_Assert(rgb.type() == CV_8UC3);
  const QImage view(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step), QImage::Format_RGB888);
  return view.copy();
}

cv::Mat to_rgb_mat(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  const cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                     static_cast<size_t>(rgb.bytesPerLine()));
  return view.clone();
}

}  // namespace vitlens::gui
