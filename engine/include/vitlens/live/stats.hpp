#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace vitlens {

// What live mode shows and reports. Rates are over the last second or so; latencies are
// from a frame's capture to the moment its result was displayed.
struct LiveStats {
  std::uint64_t captured = 0;
  std::uint64_t processed = 0;
  std::uint64_t dropped = 0;  // captured frames replaced by a newer one before inference took them
  double elapsed_s = 0;       // since the first frame
  double capture_fps = 0;
  double inference_fps = 0;
  double inference_ms = 0;       // the last frame's pre-processing + forward + post-processing
  double mean_inference_ms = 0;
  double latency_ms = 0;         // the last displayed result's
  double mean_latency_ms = 0;
  double p95_latency_ms = 0;
};

// Collects LiveStats from the capture, inference and display threads.
class LiveMeter {
 public:
  using Clock = std::chrono::steady_clock;

  void captured(Clock::time_point when);
  void dropped();
  void processed(Clock::time_point when, double inference_ms);
  void displayed(Clock::time_point captured, Clock::time_point shown);
  LiveStats snapshot() const;

 private:
  mutable std::mutex mutex_;
  LiveStats totals_;
  Clock::time_point first_{};
  bool started_ = false;
  std::deque<Clock::time_point> recent_captures_;
  std::deque<Clock::time_point> recent_inferences_;
  double inference_sum_ms_ = 0;
  std::vector<double> latencies_ms_;
  double latency_sum_ms_ = 0;
  // snapshot() runs once per recorded frame: the percentile is recomputed only when a
  // latency was added since.
  mutable double p95_cache_ms_ = 0;
  mutable size_t p95_cache_count_ = 0;
};

}  // namespace vitlens
