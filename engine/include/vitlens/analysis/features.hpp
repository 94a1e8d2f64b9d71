#pragma once
#include <opencv2/core.hpp>

#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/model/tensor.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// Views of what a model's patch tokens hold, without gradients: the PCA colouring of DINOv2's
// demos and the similarity of one patch to every other.

// The patch tokens of a hidden state [tokens, D] as a [grid_h * grid_w, D] CV_64F matrix in
// raster order; prefix (CLS, distillation, registers) and detection tokens are left out.
// Throws vitlens::Error when the hidden state does not match the layout.
cv::Mat patch_features(const Tensor& hidden_state, const TokenLayout& layout);

// The projections of the centred patch features on their first three principal components,
// [grid_h, grid_w, 3] (fewer patches than three leave the missing components 0). Each
// component's sign makes its largest |projection| positive, so the result is unique.
// `keep` (CV_8U, grid_h x grid_w, optional) restricts the analysis to the kept patches; the
// others get 0.
Tensor pca_projections(const cv::Mat& features, const TokenLayout& layout, const cv::Mat& keep = {});

// DINOv2's foreground: the patches whose first component, min-max scaled to [0, 1], exceeds
// `threshold`, on the side of the component that touches the image border least (the
// background usually fills the border). CV_8U grid_h x grid_w, 1 for foreground.
// Throws vitlens::Error unless 0 < threshold < 1.
cv::Mat pca_foreground(const Tensor& projections, float threshold);

// The PCA as a colour image, grid_h x grid_w CV_8UC3 RGB: each component min-max scaled to
// one channel (first = red). Patches outside `keep` (when given) are black.
cv::Mat pca_colours(const Tensor& projections, const cv::Mat& keep = {});

// pca_colours over the original image's geometry (upsample_to_image, nearest, so each patch
// stays one block) at `output` size: 8-bit RGB. What `features --method pca` writes and the
// app's Features view shows.
cv::Mat pca_picture(const Tensor& projections, const cv::Mat& keep, cv::Size image, const PreprocessConfig& preprocess,
                    cv::Size output);

// Cosine similarity of patch (row, column)'s feature to every patch's, [grid_h, grid_w].
// Throws vitlens::Error for a patch outside the grid.
Tensor patch_similarity(const cv::Mat& features, const TokenLayout& layout, int row, int column);

}  // namespace vitlens
