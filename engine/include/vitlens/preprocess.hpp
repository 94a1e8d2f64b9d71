#pragma once
#include <opencv2/core.hpp>

#include "vitlens/model_config.hpp"
#include "vitlens/tensor.hpp"

namespace vitlens {

// Turns an 8-bit RGB image into the model input [3, H, W] float32: resize, crop, rescale
// and normalise as `config` says. The resampler imitates PIL's (antialiased when
// shrinking), because the reference pipelines resize with PIL.
Tensor preprocess(const cv::Mat& rgb, const PreprocessConfig& config);

// Resizes an 8-bit RGB image like PIL's Image.resize with the given filter.
cv::Mat resize_like_pil(const cv::Mat& rgb, int width, int height, Resample filter);

}  // namespace vitlens
