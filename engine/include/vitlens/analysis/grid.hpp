#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens {

struct GridStyle {
  Colormap colormap = Colormap::Viridis;
  bool shared_range = false;  // one value range for every cell (the colour bar shows it)
  Upsampling upsampling = Upsampling::Nearest;
  double opacity = 0.6;
  Blend blend = Blend::Ramp;
  int cell_size = 160;  // longest side of a cell, in pixels
};

struct AttentionGrid {
  cv::Mat image;                             // 8-bit RGB
  std::vector<std::vector<cv::Rect>> cells;  // [row][column]: where each map was drawn
  std::vector<std::string> row_labels;       // "layer 3", per row
  std::vector<std::string> column_labels;    // "head 3", "mean", "rollout (mean)", per column
};

// A montage of one query's maps: a row per layer, and a column per head of each stack in
// `groups`, in order (e.g. the individual heads, then their fusion, then the rollout). Every
// cell is its map overlaid on a thumbnail of the image, placed as upsample_to_image puts it.
// Rows are labelled with the layer, columns with the head ("head 3", "mean", "rollout
// (mean)"); a colour bar on the right gives the value range when it is shared, else says
// that each cell spans its own minimum to maximum. Every stack must have the same layers.
AttentionGrid attention_grid(const std::vector<AttentionMaps>& groups, int query, const cv::Mat& rgb,
                             const PreprocessConfig& preprocess, const GridStyle& style);

// Pictures side by side, each under its caption (wrapped to the picture's width), on white
// with a small gap: two maps of one image compared (the app's compare view exports this).
// Pictures of different heights are top-aligned. 8-bit RGB; `cells` says where each picture was placed.
struct CaptionedRow {
  cv::Mat image;
  std::vector<cv::Rect> cells;
};
// Throws vitlens::Error when there is no picture, a picture is not 8-bit RGB, or the
// captions do not match the pictures one to one.
CaptionedRow captioned_row(const std::vector<cv::Mat>& pictures, const std::vector<std::string>& captions);

}  // namespace vitlens
