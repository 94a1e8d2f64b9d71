#include "download_progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace vitlens::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kBarWidth = 24;

std::string mebibytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// Redrawn at most ten times a second; the line is cleared once a file is complete.
class DownloadBar {
 public:
  bool operator()(const HubProgress& p) {
    const Clock::time_point now = Clock::now();
    if (p.file != file_) {
      file_ = p.file;
      started_ = now;
      first_bytes_ = p.file_bytes_done;
    }
    const bool complete = p.file_bytes_total && p.file_bytes_done >= p.file_bytes_total;
    if (!complete && now - drawn_ < std::chrono::milliseconds(100)) return true;
    drawn_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double speed = seconds > 0 ? static_cast<double>(p.file_bytes_done - first_bytes_) / seconds : 0;
    const size_t filled = p.bytes_total ? static_cast<size_t>(kBarWidth * p.bytes_done / p.bytes_total) : 0;
    std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(kBarWidth - filled, ' ') << "] " << p.file << "  "
              << mebibytes(p.file_bytes_done) << " / " << mebibytes(p.file_bytes_total) << " MiB  " << mebibytes(static_cast<uint64_t>(speed))
              << " MiB/s" << std::flush;
    if (complete) std::cerr << "\r\033[K" << std::flush;
    return true;
  }

 private:
  std::string file_;
  uint64_t first_bytes_ = 0;
  Clock::time_point started_;
  Clock::time_point drawn_;
};

}  // namespace

HubOptions hub_options() {
  HubOptions options = HubOptions::from_environment();
  if (isatty(STDERR_FILENO)) {
    auto bar = std::make_shared<DownloadBar>();
    options.progress = [bar](const HubProgress& p) { return (*bar)(p); };
  }
  return options;
}

}  // namespace vitlens::cli
