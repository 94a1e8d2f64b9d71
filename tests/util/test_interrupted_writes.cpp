// Every user file goes through write_file_safely (vitlens/util/safe_file.hpp): a write that
// fails midway leaves no partial file and never damages the file that was there before.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/small_disk.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace fs = std::filesystem;
using namespace vitlens;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Holds RLIMIT_FSIZE at `bytes` (writes past it fail with EFBIG, SIGXFSZ ignored) for its
// lifetime: a write cut off midway without needing root.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{bytes, saved_.rlim_max};
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

}  // namespace

TEST_CASE("a write that runs out of disk space midway names the file and the full disk, leaves no partial file and keeps the old one",
          "[safe_file][interrupted]") {
  const test::SmallDisk disk("vitlens_small_disk_engine");
  if (!disk.mounted()) {
    WARN("mounting a tmpfs is not permitted here: skipped (the file size limit test covers the same path)");
    return;
  }
  const fs::path kept = disk.path() / "maps.npy";
  write_file_safely(kept.string(), "the old maps", false);
  const std::string large(200 * 1024, 'x');

  CHECK_THROWS_WITH(write_file_safely(kept.string(), large, true),
                    Catch::Contains(kept.string()) && Catch::Contains("No space left on device") && Catch::Contains("the disk is full"));
  CHECK(slurp(kept) == "the old maps");
  CHECK_THROWS_AS(write_file_safely((disk.path() / "new.npy").string(), large, false), Error);
  CHECK(names_in(disk.path()) == std::vector<std::string>{"maps.npy"});
  // The disk is usable again once there is room.
  write_file_safely((disk.path() / "small.json").string(), "{}", false);
  CHECK(slurp(disk.path() / "small.json") == "{}");
}

TEST_CASE("a write cut off by the file size limit leaves no partial file and keeps the old one", "[safe_file][interrupted]") {
  const fs::path folder = fs::temp_directory_path() / "vitlens_file_size_limit";
  fs::remove_all(folder);
  fs::create_directories(folder);
  const fs::path kept = folder / "overlay.png";
  write_file_safely(kept.string(), "the old picture", false);
  {
    const FileSizeLimit limit(4096);
    CHECK_THROWS_WITH(write_file_safely(kept.string(), std::string(100000, 'p'), true),
                      Catch::Contains(kept.string()) && Catch::Contains("File too large"));
    CHECK_THROWS_AS(write_file_safely((folder / "grid.png").string(), std::string(100000, 'g'), false), Error);
  }
  CHECK(slurp(kept) == "the old picture");
  CHECK(names_in(folder) == std::vector<std::string>{"overlay.png"});
  fs::remove_all(folder);
}
