#include "vitlens/live/source.hpp"

#include <charconv>
#include <cmath>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "util/regular_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

using Clock = std::chrono::steady_clock;

// A stream that delivers nothing for this long has stalled: read() gives up and says so
// rather than hanging the capture thread. Opening a remote stream may take longer.
constexpr int kStreamReadTimeoutMs = 5000;
constexpr int kStreamOpenTimeoutMs = 10000;

bool is_number(const std::string& text, int& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value >= 0;
}

bool is_url(const std::string& text) { return text.find("://") != std::string::npos; }

cv::VideoCapture open_capture(const SourceSpec& spec, cv::Size size) {
  cv::VideoCapture capture;
  switch (spec.kind) {
    case SourceSpec::Kind::Camera: {
      std::vector<int> params;
      if (!size.empty()) params = {cv::CAP_PROP_FRAME_WIDTH, size.width, cv::CAP_PROP_FRAME_HEIGHT, size.height};
      capture.open(spec.camera, cv::CAP_V4L2, params);
      // A camera may offer only a different size; it then delivers the nearest it has.
      break;
    }
    case SourceSpec::Kind::Stream:
      capture.open(spec.location, cv::CAP_FFMPEG,
                   {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, kStreamOpenTimeoutMs, cv::CAP_PROP_READ_TIMEOUT_MSEC, kStreamReadTimeoutMs});
      break;
    case SourceSpec::Kind::File:
      require_regular_file(spec.location);  // FFmpeg would wait forever on a FIFO
      capture.open(spec.location, cv::CAP_FFMPEG);
      break;
  }
  return capture;
}

cv::Mat to_rgb(const cv::Mat& frame) {
  cv::Mat rgb;
  if (frame.channels() == 1)
    cv::cvtColor(frame, rgb, cv::COLOR_GRAY2RGB);
  else if (frame.channels() == 4)
    cv::cvtColor(frame, rgb, cv::COLOR_BGRA2RGB);
  else
    cv::cvtColor(frame, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace

SourceSpec SourceSpec::parse(const std::string& text) {
  if (text.empty()) throw Error("no video source given: name a camera index (0), a video file or a stream URL");
  SourceSpec spec;
  if (is_number(text, spec.camera)) return spec;
  spec.kind = is_url(text) ? Kind::Stream : Kind::File;
  spec.location = text;
  return spec;
}

std::string SourceSpec::describe() const {
  return kind == Kind::Camera ? "camera " + std::to_string(camera) : location;
}

VideoSource::VideoSource(const SourceSpec& spec, cv::Size size) : spec_(spec) {
  capture_ = open_capture(spec_, size);
  if (!capture_.isOpened()) {
    switch (spec_.kind) {
      case SourceSpec::Kind::Camera:
        throw Error(spec_.describe() + ": cannot open /dev/video" + std::to_string(spec_.camera) +
                    " (no such camera, or it is busy in another program)");
      case SourceSpec::Kind::Stream:
        throw Error(spec_.location + ": cannot open the stream (unreachable, or no video in a format FFmpeg reads)");
      case SourceSpec::Kind::File:
        throw Error(spec_.location + ": cannot open as a video (missing, unreadable, or not a video format FFmpeg reads)");
    }
  }
  if (!read_first()) throw Error(spec_.describe() + ": opened, but it delivered no frame");
  fps_ = capture_.get(cv::CAP_PROP_FPS);
  if (!(fps_ > 0 && fps_ < 1000)) fps_ = 0;
  if (spec_.kind == SourceSpec::Kind::File) frame_count_ = std::max(0.0, capture_.get(cv::CAP_PROP_FRAME_COUNT));
  restart_clock();
}

bool VideoSource::read_first() {
  cv::Mat frame;
  if (!capture_.read(frame) || frame.empty()) return false;
  first_ = to_rgb(frame);
  frame_size_ = first_.size();
  return true;
}

void VideoSource::restart_clock() {
  clock_start_ = Clock::now();
  clock_first_frame_ = delivered_;
}

void VideoSource::pace() {
  if (spec_.kind != SourceSpec::Kind::File || fps_ <= 0) return;
  const auto due = clock_start_ + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>((delivered_ - clock_first_frame_) / fps_));
  std::this_thread::sleep_until(due);
}

bool VideoSource::read(LiveFrame& frame) {
  if (!failure_.empty()) return false;
  pace();
  cv::Mat rgb;
  if (!first_.empty()) {
    rgb = std::move(first_);
    first_.release();
  } else {
    cv::Mat raw;
    if (!capture_.read(raw) || raw.empty()) {
      // A looping file starts again only from a clean end: a damaged one still reports.
      const bool rewound = spec_.loop && end_message().empty() && capture_.set(cv::CAP_PROP_POS_FRAMES, 0) &&
                           capture_.read(raw) && !raw.empty();
      if (!rewound) {
        failure_ = end_message();
        return false;
      }
      pass_start_ = delivered_;
    }
    rgb = to_rgb(raw);
  }
  frame.index = delivered_++;
  frame.captured = Clock::now();
  frame.rgb = std::move(rgb);
  return true;
}

std::string VideoSource::end_message() const {
  const std::string frames = std::to_string(delivered_) + (delivered_ == 1 ? " frame" : " frames");
  switch (spec_.kind) {
    case SourceSpec::Kind::Camera:
      return spec_.describe() + ": stopped delivering frames after " + frames + " (unplugged, or taken by another program)";
    case SourceSpec::Kind::Stream:
      return spec_.location + ": no frame for " + std::to_string(kStreamReadTimeoutMs / 1000) + " s after " + frames +
             " (the stream stalled or closed)";
    case SourceSpec::Kind::File:
      // Header frame counts are estimates for some containers: allow one frame of slack.
      if (frame_count_ > 0 && delivered_ - pass_start_ + 1 < static_cast<std::uint64_t>(std::llround(frame_count_)))
        return spec_.location + ": cannot read past frame " + std::to_string(delivered_ - pass_start_) + " of " +
               std::to_string(std::llround(frame_count_)) + " (the file is damaged or truncated)";
      return "";
  }
  return "";
}

}  // namespace vitlens
