#pragma once
#include <QImage>
#include <opencv2/core.hpp>

namespace vitlens::gui {

// A deep copy of the engine's 8-bit RGB (or RGBA) cv::Mat as a QImage, so the two never
// share memory across threads.
QImage to_qimage(const cv::Mat& rgb);

}  // namespace vitlens::gui
