#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "vitlens/live/source.hpp"

namespace vitlens {

namespace {

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_NONBLOCK)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool ioctl(unsigned long request, void* argument) const {
    int r;
    do r = ::ioctl(fd_, request, argument);
    while (r < 0 && errno == EINTR);
    return r == 0;
  }

 private:
  int fd_;
};

bool captures_video(const v4l2_capability& cap) {
  const unsigned caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  return caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE);
}

// Discrete sizes of every pixel format the device offers; stepwise ranges contribute their
// largest size.
std::vector<cv::Size> frame_sizes(const Fd& fd) {
  std::set<std::pair<int, int>> sizes;
  v4l2_fmtdesc format{};
  format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (format.index = 0; fd.ioctl(VIDIOC_ENUM_FMT, &format); ++format.index) {
    v4l2_frmsizeenum size{};
    size.pixel_format = format.pixelformat;
    for (size.index = 0; fd.ioctl(VIDIOC_ENUM_FRAMESIZES, &size); ++size.index) {
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        sizes.insert({static_cast<int>(size.discrete.width), static_cast<int>(size.discrete.height)});
      } else {
        sizes.insert({static_cast<int>(size.stepwise.max_width), static_cast<int>(size.stepwise.max_height)});
        break;
      }
    }
  }
  std::vector<cv::Size> result;
  for (const auto& [width, height] : sizes) result.emplace_back(width, height);
  std::stable_sort(result.begin(), result.end(), [](cv::Size a, cv::Size b) { return a.area() > b.area(); });
  return result;
}

}  // namespace

std::vector<CameraInfo> list_cameras() {
  std::vector<CameraInfo> cameras;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("video", 0) != 0) continue;
    int index = 0;
    try {
      size_t used = 0;
      index = std::stoi(name.substr(5), &used);
      if (used != name.size() - 5) continue;
    } catch (const std::exception&) {
      continue;
    }
    Fd fd(entry.path().string());
    v4l2_capability cap{};
    if (!fd.ok() || !fd.ioctl(VIDIOC_QUERYCAP, &cap) || !captures_video(cap)) continue;
    cameras.push_back({index, entry.path().string(), reinterpret_cast<const char*>(cap.card), frame_sizes(fd)});
  }
  std::sort(cameras.begin(), cameras.end(), [](const CameraInfo& a, const CameraInfo& b) { return a.index < b.index; });
  return cameras;
}

}  // namespace vitlens
