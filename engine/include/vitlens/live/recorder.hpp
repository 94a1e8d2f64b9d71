#pragma once
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

namespace vitlens {

// Writes 8-bit RGB frames to a video file (MPEG-4 Part 2 in .mp4, .avi, .mkv or .mov) so
// that the file appears complete or not at all: frames go to a hidden temporary file beside it, renamed into place by
// finish(). Without `overwrite` an existing file is never replaced. Throws vitlens::Error
// naming the path.
class VideoRecorder {
 public:
  VideoRecorder(const std::string& path, double fps, cv::Size size, bool overwrite);
  ~VideoRecorder();  // without finish(), the partial file is removed
  VideoRecorder(const VideoRecorder&) = delete;
  VideoRecorder& operator=(const VideoRecorder&) = delete;

  // Frames of another size are scaled to the recording's size.
  void write(const cv::Mat& rgb);
  // Publishes the file; throws (and publishes nothing) when it did not come out whole, as on
  // a full disk.
  void finish();
  long frames() const { return frames_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temporary_;
  bool overwrite_;
  cv::Size size_;
  cv::VideoWriter writer_;
  long frames_ = 0;
  bool finished_ = false;
};

}  // namespace vitlens
