#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/detection/postprocess.hpp"

namespace vitlens {

// The colour of a class in overlays: hues spread by the golden angle, so neighbouring class
// ids look different, at full saturation and a brightness that reads on light and dark images.
cv::Scalar class_colour(int label_id);

// A copy of the 8-bit RGB image with each detection's box, label and score ("cat 0.93")
// drawn in its class colour. Line width and text size grow with the image, so the drawing
// reads the same on a thumbnail and on a 4K photo; labels sit above their box, or inside it
// at the top edge of the image. Boxes are clipped to the image.
cv::Mat draw_detections(const cv::Mat& rgb, const std::vector<Detection>& detections);

}  // namespace vitlens
