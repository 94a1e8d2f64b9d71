#pragma once
// The readers that take a path get the fuzzer's bytes through a scratch file of this
// process, rewritten for every input (in /dev/shm when there is one, so no disk is touched).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace vitlens::fuzz {

// A folder of this process's own, removed when the process exits.
class ScratchFolder {
 public:
  ScratchFolder() {
    const std::filesystem::path shm = "/dev/shm";
    const std::filesystem::path base = std::filesystem::exists(shm) ? shm : std::filesystem::temp_directory_path();
    path_ = base / ("vitlens-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& scratch_folder() {
  static const ScratchFolder folder;
  return folder.path();
}

// Writes `size` bytes to `name` inside the scratch folder and returns its path.
inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path path = scratch_folder() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

}  // namespace vitlens::fuzz
