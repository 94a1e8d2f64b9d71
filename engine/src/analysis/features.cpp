#include "vitlens/analysis/features.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

constexpr int kComponents = 3;

std::string grid_text(const TokenLayout& layout) {
  return std::to_string(layout.grid_h) + "x" + std::to_string(layout.grid_w);
}

// Min-max scaling of one component over the kept patches; a constant component maps to 0.
cv::Mat unit_component(const Tensor& projections, int component, const cv::Mat& keep) {
  const int h = static_cast<int>(projections.dim(0)), w = static_cast<int>(projections.dim(1));
  cv::Mat values(h, w, CV_32F);
  for (int i = 0; i < h * w; ++i) values.at<float>(i / w, i % w) = projections.data[static_cast<size_t>(i) * kComponents + component];
  double low = 0, high = 0;
  cv::minMaxLoc(values, &low, &high, nullptr, nullptr, keep.empty() ? cv::noArray() : keep);
  cv::Mat unit = high > low ? (values - low) / (high - low) : cv::Mat::zeros(h, w, CV_32F);
  return unit;
}

}  // namespace

cv::Mat patch_features(const Tensor& hidden_state, const TokenLayout& layout) {
  if (hidden_state.rank() != 2 || hidden_state.dim(0) != layout.tokens())
    throw Error("the hidden state " + shape_string(hidden_state.shape) + " does not hold the " +
                std::to_string(layout.tokens()) + " tokens of a " + grid_text(layout) + " patch grid");
  const int width = static_cast<int>(hidden_state.dim(1));
  cv::Mat all(static_cast<int>(hidden_state.dim(0)), width, CV_32F, const_cast<float*>(hidden_state.ptr()));
  cv::Mat patches;
  all.rowRange(layout.first_patch(), layout.first_suffix()).convertTo(patches, CV_64F);
  return patches;
}

Tensor pca_projections(const cv::Mat& features, const TokenLayout& layout, const cv::Mat& keep) {
  const int n = layout.patches();
  if (features.rows != n) throw Error("PCA needs the features of " + std::to_string(n) + " patches");
  std::vector<int> rows;
  for (int i = 0; i < n; ++i)
    if (keep.empty() || keep.at<uint8_t>(i / layout.grid_w, i % layout.grid_w)) rows.push_back(i);
  Tensor out({layout.grid_h, layout.grid_w, kComponents});
  if (rows.size() < 2) return out;
  cv::Mat data(static_cast<int>(rows.size()), features.cols, CV_64F);
  for (size_t r = 0; r < rows.size(); ++r) features.row(rows[r]).copyTo(data.row(static_cast<int>(r)));
  const int components = std::min<int>({kComponents, data.rows, data.cols});
  cv::PCA pca(data, cv::noArray(), cv::PCA::DATA_AS_ROW, components);
  cv::Mat projected = pca.project(data);  // [kept, components], centred on the kept patches' mean
  for (int c = 0; c < components; ++c) {
    cv::Point extreme_min, extreme_max;
    double low = 0, high = 0;
    cv::minMaxLoc(projected.col(c), &low, &high, &extreme_min, &extreme_max);
    if (std::abs(low) > std::abs(high)) projected.col(c) *= -1.0;
  }
  for (size_t r = 0; r < rows.size(); ++r)
    for (int c = 0; c < components; ++c)
      out.data[static_cast<size_t>(rows[r]) * kComponents + static_cast<size_t>(c)] =
          static_cast<float>(projected.at<double>(static_cast<int>(r), c));
  return out;
}

cv::Mat pca_foreground(const Tensor& projections, float threshold) {
  if (!(threshold > 0 && threshold < 1))
    throw Error("the foreground threshold must be between 0 and 1 (exclusive), not " + std::to_string(threshold));
  const cv::Mat unit = unit_component(projections, 0, {});
  cv::Mat above = unit > threshold, below = unit < 1 - threshold;
  auto border_count = [](const cv::Mat& mask) {
    int count = 0;
    for (int r = 0; r < mask.rows; ++r)
      for (int c = 0; c < mask.cols; ++c)
        if ((r == 0 || c == 0 || r == mask.rows - 1 || c == mask.cols - 1) && mask.at<uint8_t>(r, c)) ++count;
    return count;
  };
  // The component's sign is arbitrary; the object is the side that touches the border less.
  cv::Mat foreground = border_count(above) <= border_count(below) ? above : below;
  return foreground / 255;
}

cv::Mat pca_colours(const Tensor& projections, const cv::Mat& keep) {
  const int h = static_cast<int>(projections.dim(0)), w = static_cast<int>(projections.dim(1));
  std::vector<cv::Mat> channels;
  for (int c = 0; c < kComponents; ++c) {
    cv::Mat channel;
    unit_component(projections, c, keep).convertTo(channel, CV_8U, 255.0);
    if (!keep.empty()) channel.setTo(0, keep == 0);
    channels.push_back(channel);
  }
  cv::Mat rgb(h, w, CV_8UC3);
  cv::merge(channels, rgb);
  return rgb;
}

cv::Mat pca_picture(const Tensor& projections, const cv::Mat& keep, cv::Size image, const PreprocessConfig& preprocess,
                    cv::Size output) {
  std::vector<cv::Mat> grid_channels, channels;
  cv::split(pca_colours(projections, keep), grid_channels);
  for (const cv::Mat& channel : grid_channels) {
    cv::Mat unit, big;
    channel.convertTo(unit, CV_32F, 1.0 / 255);
    upsample_to_image(unit, image, preprocess, Upsampling::Nearest, output).convertTo(big, CV_8U, 255.0);
    channels.push_back(big);
  }
  cv::Mat picture;
  cv::merge(channels, picture);
  return picture;
}

Tensor patch_similarity(const cv::Mat& features, const TokenLayout& layout, int row, int column) {
  if (row < 0 || row >= layout.grid_h || column < 0 || column >= layout.grid_w)
    throw Error("patch " + std::to_string(row) + "," + std::to_string(column) + " is outside the " + grid_text(layout) +
                " patch grid (rows 0-" + std::to_string(layout.grid_h - 1) + ", columns 0-" +
                std::to_string(layout.grid_w - 1) + ")");
  const cv::Mat query = features.row(row * layout.grid_w + column);
  const double query_norm = cv::norm(query);
  Tensor out({layout.grid_h, layout.grid_w});
  for (int i = 0; i < features.rows; ++i) {
    const double denominator = cv::norm(features.row(i)) * query_norm;
    out.data[static_cast<size_t>(i)] = denominator > 0 ? static_cast<float>(features.row(i).dot(query) / denominator) : 0.0f;
  }
  return out;
}

}  // namespace vitlens
