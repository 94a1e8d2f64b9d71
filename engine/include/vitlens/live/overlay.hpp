#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/live/pipeline.hpp"
#include "vitlens/live/stats.hpp"

namespace vitlens {

// "capture 12.0 fps | inference 3.1 fps, 322 ms | latency 410 ms | 27 dropped"
std::string describe(const LiveStats& stats);

// What a recorded live video shows: the current frame with the newest result drawn over it
// (a detector's boxes, a classifier's top classes; nothing before the first result), and the
// stats line at the bottom. 8-bit RGB of the frame's size.
cv::Mat draw_live_overlay(const cv::Mat& frame, const LiveResult* latest, const LiveStats& stats);

}  // namespace vitlens
