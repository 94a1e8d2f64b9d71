#pragma once
#include <opencv2/core.hpp>

#include "vitlens/model/config.hpp"

namespace vitlens {

// Nearest keeps the patch blocks visible (honest for per-patch maps); bilinear is smooth.
enum class Upsampling { Nearest, Bilinear };
const char* to_string(Upsampling upsampling);
Upsampling parse_upsampling(const std::string& text);  // "nearest", "bilinear"; throws vitlens::Error

// Puts a map over the patch grid of the model input (CV_32F grid_h x grid_w) back onto the
// ORIGINAL image of size `image`, undoing the pre-processing geometry (see input_geometry):
// a squashing resize is stretched back, and with a center crop the map covers exactly the
// cropped region, while the margins the crop cut off (which the model never saw) are 0.
// `output` is the size to draw at: the image size, or a proportionally scaled thumbnail.
cv::Mat upsample_to_image(const cv::Mat& map, cv::Size image, const PreprocessConfig& preprocess,
                          Upsampling upsampling, cv::Size output);

}  // namespace vitlens
