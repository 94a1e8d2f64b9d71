#pragma once
#include <opencv2/core.hpp>

#include "vitlens/model/config.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// Turns an 8-bit RGB image (CV_8UC3) into the model input [3, H, W] float32 the way the
// Hugging Face image processors do, step for step:
//  - resize with resize_like_pil; Exact squashes to width x height, ShortestEdge scales
//    the shorter side to shortest_edge and the longer to floor(shortest_edge * long / short),
//    Cover scales to the smallest aspect-keeping size covering width x height (timm);
//  - center crop with top = (h - crop_height) / 2 rounded down (transformers) or, with
//    CropRounding::HalfEven, rounded half to even (torchvision, timm's configurations), and
//    zero padding, centred, when the image is smaller than the crop;
//  - rescale as float32(double(value) * rescale_factor), then (x - mean) / std in float32.
// The output equals transformers' numpy pipeline on the same pixels up to float rounding.
// Throws vitlens::Error for an empty or non-RGB image, non-positive sizes, a zero std,
// or a ShortestEdge resize that would exceed kMaxImagePixels.
Tensor preprocess(const cv::Mat& rgb, const PreprocessConfig& config);

// Where preprocess() takes the model input from in an image of `image` size: the size it is
// resized to, and the crop rectangle in resized pixels (x or y negative when the crop pads an
// image smaller than itself; the whole resized image without a crop). Maps over the input
// go back onto the image through it.
struct InputGeometry {
  cv::Size resized;
  cv::Rect crop;
};
InputGeometry input_geometry(cv::Size image, const PreprocessConfig& config);

// Resizes an 8-bit RGB image exactly like Pillow's Image.resize((width, height), filter):
// separable convolution, antialiased when shrinking (the kernel widens by the scale
// factor), 8-bit intermediate after the horizontal pass, Pillow's fixed-point rounding.
// Nearest picks pixels as Pillow does. Bit-exact against Pillow 9.4 on the test fixtures.
cv::Mat resize_like_pil(const cv::Mat& rgb, int width, int height, Resample filter);

}  // namespace vitlens
