#include "vitlens/util/safe_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void already_exists(const std::string& path) {
  throw Error(path + ": already exists; pass --overwrite to replace it");
}

// Hidden, unique per process and call, and with the target's extension last, for writers
// that choose the format by extension (OpenCV's image and video writers).
fs::path temporary_beside(const fs::path& path) {
  static std::atomic<int> counter{0};
  std::string name = ".";
  name += path.stem().string();
  name += ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  name += path.extension().string();
  return path.parent_path() / name;
}

[[noreturn]] void write_failed(const fs::path& file, const std::string& path, int error) {
  throw Error(path + ": could not write " + file.string() + ": " + std::strerror(error) +
              (error == ENOSPC || error == EDQUOT ? " (the disk is full)" : ""));
}

// POSIX calls rather than a stream, so the error says why (a full disk, a quota).
void write_whole(const fs::path& file, const std::string& bytes, const std::string& path) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) write_failed(file, path, errno);
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const int error = wrote < 0 ? errno : ENOSPC;
      ::close(fd);
      write_failed(file, path, error);
    }
    done += static_cast<size_t>(wrote);
  }
  if (::close(fd) != 0) write_failed(file, path, errno);
}

// Moves the finished temporary file into place. Without overwrite a hard link claims the
// name atomically (it fails if the name exists, where rename would replace); file systems
// without hard links fall back to a check before the rename.
void publish(const fs::path& temporary, const fs::path& target, bool overwrite, const std::string& path) {
  std::error_code error;
  if (!overwrite) {
    fs::create_hard_link(temporary, target, error);
    if (!error) {
      fs::remove(temporary, error);
      return;
    }
    if (error == std::errc::file_exists) already_exists(path);
    if (fs::exists(target)) already_exists(path);
  }
  fs::rename(temporary, target, error);
  if (error) throw Error(path + ": could not rename the temporary file into place: " + error.message());
}

}  // namespace

std::string temporary_path_beside(const std::string& path) { return temporary_beside(fs::path(path)).string(); }

void publish_file(const std::string& temporary, const std::string& path, bool overwrite) {
  publish(temporary, path, overwrite, path);
}

void write_file_safely(const std::string& path, const std::string& bytes, bool overwrite) {
  const fs::path target(path);
  if (!overwrite && fs::exists(target)) already_exists(path);
  const fs::path temporary = temporary_beside(target);
  try {
    write_whole(temporary, bytes, path);
    publish(temporary, target, overwrite, path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
}

void write_png_safely(const std::string& path, const cv::Mat& rgb, bool overwrite) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uint8_t> png;
  if (!cv::imencode(".png", bgr, png)) throw Error(path + ": could not encode the PNG image");
  write_file_safely(path, std::string(png.begin(), png.end()), overwrite);
}

}  // namespace vitlens
