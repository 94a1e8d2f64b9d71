#pragma once
#include <QImage>
#include <opencv2/core.hpp>

namespace vitlens::gui {

// Deep copies between the engine's 8-bit RGB cv::Mat and QImage, so neither shares the
// other's memory across threads.
QImage to_qimage(const cv::Mat& rgb);
cv::Mat to_rgb_mat(const QImage& image);

}  // namespace vitlens::gui
