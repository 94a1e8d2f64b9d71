#pragma once
#include <opencv2/core.hpp>

#include "vitlens/analysis/maps.hpp"

namespace vitlens {

// DINO's mass threshold (visualize_attention.py): keep the largest patches of a map until
// they hold at least fraction `mass` of its total, as a binary map (1 kept, 0 dropped).
// A patch is kept when the patches larger than it hold less than `mass`, which is DINO's
// "ascending cumulative sum > 1 - mass". Throws vitlens::Error unless 0 < mass <= 1.
cv::Mat mass_mask(const cv::Mat& map, double mass);

// mass_mask applied to every map of a stack; the result's method is "mask".
AttentionMaps mass_masks(const AttentionMaps& maps, double mass);

}  // namespace vitlens
