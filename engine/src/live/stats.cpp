#include "vitlens/live/stats.hpp"

#include <algorithm>
#include <cmath>

namespace vitlens {

namespace {

using Clock = LiveMeter::Clock;

// Rates are measured over this window: long enough to be steady, short enough to follow a
// change of model or source within a second or two.
constexpr std::chrono::milliseconds kRateWindow{2000};

void remember(std::deque<Clock::time_point>& events, Clock::time_point when) {
  events.push_back(when);
  while (events.size() > 2 && when - events.front() > kRateWindow) events.pop_front();
}

double rate(const std::deque<Clock::time_point>& events) {
  if (events.size() < 2) return 0;
  const double seconds = std::chrono::duration<double>(events.back() - events.front()).count();
  return seconds > 0 ? (events.size() - 1) / seconds : 0;
}

double milliseconds(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile.
double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * values.size()));
  const size_t index = std::clamp<size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

}  // namespace

void LiveMeter::captured(Clock::time_point when) {
  std::lock_guard lock(mutex_);
  if (!started_) {
    started_ = true;
    first_ = when;
  }
  ++totals_.captured;
  totals_.elapsed_s = std::chrono::duration<double>(when - first_).count();
  remember(recent_captures_, when);
}

void LiveMeter::dropped() {
  std::lock_guard lock(mutex_);
  ++totals_.dropped;
}

void LiveMeter::processed(Clock::time_point when, double inference_ms) {
  std::lock_guard lock(mutex_);
  ++totals_.processed;
  totals_.inference_ms = inference_ms;
  inference_sum_ms_ += inference_ms;
  remember(recent_inferences_, when);
}

void LiveMeter::displayed(Clock::time_point captured, Clock::time_point shown) {
  std::lock_guard lock(mutex_);
  totals_.latency_ms = milliseconds(shown - captured);
  latencies_ms_.push_back(totals_.latency_ms);
  latency_sum_ms_ += totals_.latency_ms;
}

LiveStats LiveMeter::snapshot() const {
  std::lock_guard lock(mutex_);
  LiveStats s = totals_;
  s.capture_fps = rate(recent_captures_);
  s.inference_fps = rate(recent_inferences_);
  if (s.processed) s.mean_inference_ms = inference_sum_ms_ / s.processed;
  if (!latencies_ms_.empty()) {
    s.mean_latency_ms = latency_sum_ms_ / latencies_ms_.size();
    if (p95_cache_count_ != latencies_ms_.size()) {
      p95_cache_ms_ = percentile(latencies_ms_, 0.95);
      p95_cache_count_ = latencies_ms_.size();
    }
    s.p95_latency_ms = p95_cache_ms_;
  }
  return s;
}

}  // namespace vitlens
