#pragma once
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "vitlens/analysis/maps.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// What a saved stack of maps came from, beyond the maps' own labels.
struct SidecarContext {
  std::string model;  // model path
  std::string image;  // image path
  std::string npy;    // file name of the .npy the sidecar describes
  cv::Size image_size;
  cv::Size input_size;  // pre-processed model input
  TokenLayout layout;
  std::optional<double> discard;  // rollout
  std::optional<double> mass;     // mask
  std::optional<int> target_class;  // relevance, gradcam: the class explained
  std::string target_label;
};

// The JSON document saved beside an attention .npy: model, image, method, the meaning of
// each axis of [layers, heads, queries, grid_h, grid_w] (layer numbers, head numbers or the
// fusion, query tokens by name and index) and the grid and token layout.
std::string attention_sidecar(const AttentionMaps& maps, const SidecarContext& context);

}  // namespace vitlens
