#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

namespace vitlens {

// Where live frames come from, as a user names it: "0" (webcam /dev/video0), a video file,
// or a stream URL (rtsp://, http://, https://, ...).
struct SourceSpec {
  enum class Kind { Camera, File, Stream };
  Kind kind = Kind::Camera;
  int camera = 0;        // Camera: the V4L2 index N of /dev/videoN
  std::string location;  // File: its path; Stream: its URL
  bool loop = false;     // File: start again from the first frame at the end

  static SourceSpec parse(const std::string& text);  // throws vitlens::Error for an empty text
  std::string describe() const;                      // "camera 0", "clip.mp4", "rtsp://host/feed"
  bool is_live() const { return kind != Kind::File; }
};

// A V4L2 video capture device and the frame sizes it offers (largest first; empty when the
// driver does not enumerate them).
struct CameraInfo {
  int index = 0;
  std::string device;  // "/dev/video0"
  std::string name;    // the driver's card name, "Integrated Camera"
  std::vector<cv::Size> sizes;
};

// The capture devices present now. OpenCV cannot list cameras, so this asks V4L2 directly;
// metadata-only nodes (a second /dev/video per UVC camera) are left out.
std::vector<CameraInfo> list_cameras();

// One captured frame: 8-bit RGB, numbered in capture order, stamped when it was read.
struct LiveFrame {
  std::uint64_t index = 0;
  std::chrono::steady_clock::time_point captured;
  cv::Mat rgb;
};

// An open source. A file plays at its own frame rate, as a camera delivers frames, so live
// mode behaves the same on both; streams are read with a timeout so a stalled feed ends
// instead of hanging.
class VideoSource {
 public:
  // Opens the source, asking a camera for `size` when it is not empty. Throws vitlens::Error
  // naming the source when it cannot be opened or delivers no first frame.
  explicit VideoSource(const SourceSpec& spec, cv::Size size = {});

  // The next frame. False when the source has ended; failure() then says whether and why
  // it ended badly.
  bool read(LiveFrame& frame);
  // After a pause, a file resumes at its frame rate from now instead of catching up.
  void restart_clock();

  const SourceSpec& spec() const { return spec_; }
  cv::Size frame_size() const { return frame_size_; }
  double fps() const { return fps_; }  // nominal frame rate; 0 when the source does not say
  // Empty after a normal end (a file played to its last frame); otherwise a message naming
  // the source: a camera that disappeared, a stream that stalled, a file cut short.
  const std::string& failure() const { return failure_; }

 private:
  bool read_first();
  std::string end_message() const;
  void pace();

  SourceSpec spec_;
  cv::VideoCapture capture_;
  cv::Mat first_;  // read while opening, to prove the source delivers; returned by the first read()
  cv::Size frame_size_;
  double fps_ = 0;
  double frame_count_ = 0;  // a file's frame count from its header; 0 when unknown
  std::uint64_t delivered_ = 0;
  std::uint64_t pass_start_ = 0;  // a looping file: frames delivered before this pass through it
  std::chrono::steady_clock::time_point clock_start_;
  std::uint64_t clock_first_frame_ = 0;
  std::string failure_;
};

}  // namespace vitlens
