#pragma once
// A nearly full disk for tests of interrupted writes: a tmpfs of a few KiB mounted on a fresh
// temporary folder. Mounting needs root (or CAP_SYS_ADMIN); without it mounted() is false and
// the test warns and skips.
#include <sys/mount.h>

#include <filesystem>
#include <string>

namespace vitlens::test {

class SmallDisk {
 public:
  SmallDisk(const std::string& name, const std::string& size = "64k")
      : path_(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
};

}  // namespace vitlens::test
