#pragma once
#include <opencv2/core.hpp>

#include "vitlens/model/config.hpp"

namespace vitlens {

// The size PreprocessConfig::ShortestEdgeCapped resizes an image of size `in` to, computed
// as transformers' YOLOS get_size_with_aspect_ratio does, float for float:
//  - when long/short * shortest_edge > longest_edge, the short side becomes
//    raw = longest_edge * short / long (rounded half to even) and the long side
//    int(raw * long / short); otherwise short -> shortest_edge, long -> int(shortest_edge * long / short),
//    and an image whose short side already is shortest_edge keeps its size;
//  - both sides are then floored to a multiple of size_multiple.
// Throws vitlens::Error for non-positive settings or an image so elongated that a side
// floors to 0.
cv::Size capped_resized_size(cv::Size in, const PreprocessConfig& config);

}  // namespace vitlens
