#include "vitlens/live/recorder.hpp"

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens {

namespace {

// MPEG-4 Part 2: encoded by every FFmpeg build OpenCV links, played by every video player.
int fourcc_for(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".mp4" || extension == ".avi" || extension == ".mkv" || extension == ".mov")
    return cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  throw Error(path + ": unsupported video extension '" + extension + "' (use .mp4, .avi, .mkv or .mov)");
}

// OpenCV does not pass on FFmpeg's write errors: a disk that filled up shows only as a file
// that does not open as a video or holds no frames (an MP4 without its index).
bool holds_frames(const std::string& file) {
  cv::VideoCapture video(file, cv::CAP_FFMPEG);
  return video.isOpened() && video.get(cv::CAP_PROP_FRAME_COUNT) > 0;
}

}  // namespace

VideoRecorder::VideoRecorder(const std::string& path, double fps, cv::Size size, bool overwrite)
    : path_(path), overwrite_(overwrite), size_(size) {
  const int fourcc = fourcc_for(path);
  if (!overwrite && std::filesystem::exists(path)) throw Error(path + ": already exists; pass --overwrite to replace it");
  if (size.empty()) throw Error(path + ": cannot record frames of size 0");
  temporary_ = temporary_path_beside(path);
  if (!writer_.open(temporary_, cv::CAP_FFMPEG, fourcc, fps > 0 ? fps : 30.0, size, true))
    throw Error(path + ": cannot open for writing a video (is the folder writable?)");
}

VideoRecorder::~VideoRecorder() {
  if (finished_) return;
  writer_.release();
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void VideoRecorder::write(const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (bgr.size() != size_) cv::resize(bgr, bgr, size_, 0, 0, cv::INTER_AREA);
  writer_.write(bgr);
  ++frames_;
}

void VideoRecorder::finish() {
  if (finished_) return;
  writer_.release();
  if (frames_ > 0 && !holds_frames(temporary_))
    throw Error(path_ + ": the video could not be written completely (is the disk full?); nothing was saved");
  publish_file(temporary_, path_, overwrite_);
  finished_ = true;
}

}  // namespace vitlens
