#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/live/pipeline.hpp"
#include "vitlens/live/stats.hpp"

namespace vitlens {

// "capture 12.0 fps | inference 3.1 fps, 322 ms | latency mean 410 ms, p95 520 ms | 27 dropped":
// the app's status bar, the CLI's progress line and recordings. The latency figures are the
// ones `vitlens-cli live` sums up (mean_latency_ms, p95_latency_ms), capture to display.
std::string describe(const LiveStats& stats);

// What a recorded live video shows: the current frame with the newest result drawn over it
// (a detector's boxes, a classifier's top classes; nothing before the first result), and the
// stats line at the bottom. 8-bit RGB of the frame's size.
cv::Mat draw_live_overlay(const cv::Mat& frame, const LiveResult* latest, const LiveStats& stats);

}  // namespace vitlens
