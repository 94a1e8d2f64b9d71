// Exports cut short by a full disk or a killed process: every file with its final name is
// complete, and no file that was there before is damaged (docs/reliability.md).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "support/process.hpp"
#include "support/small_disk.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kVit = (kFixtures / "hf_vit").string();
const std::string kFruits = (kFixtures / "images" / "fruits.jpg").string();

bool hidden(const fs::path& path) { return path.filename().string().front() == '.'; }

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A PNG is whole when it decodes and ends with its IEND chunk (a cut one may still decode).
bool complete_png(const fs::path& path) {
  const std::string bytes = slurp(path);
  return !cv::imread(path.string(), cv::IMREAD_UNCHANGED).empty() && bytes.size() > 12 &&
         bytes.compare(bytes.size() - 8, 4, "IEND") == 0;
}

// The visible files of `folder`, each of which must be a complete PNG.
int check_every_png_complete(const fs::path& folder) {
  int pngs = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (hidden(entry.path())) continue;
    INFO(entry.path());
    CHECK(entry.path().extension() == ".png");
    CHECK(complete_png(entry.path()));
    ++pngs;
  }
  return pngs;
}

}  // namespace

TEST_CASE("attention on a full disk exits 1 naming the file and the full disk, and leaves only complete files",
          "[cli][interrupted]") {
  const vitlens::test::SmallDisk disk("vitlens_small_disk_cli", "48k");
  if (!disk.mounted()) {
    WARN("mounting a tmpfs is not permitted here: skipped");
    return;
  }
  const fs::path kept = disk.path() / "fruits_raw_cls_L1_mean_overlay.png";
  std::ofstream(kept, std::ios::binary) << "an export from before";
  const auto run = vitlens::test::run_process({kCli, "attention", "--model", kVit, "--device", "cpu", "--format", "overlay,heatmap",
                                               "--overwrite", "--out", disk.path().string(), kFruits});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(disk.path().string()) && Catch::Contains("the disk is full"));
  // Either the old file or a complete new one, never a part of either.
  const std::string now = slurp(kept);
  CHECK((now == "an export from before" || complete_png(kept)));
  fs::remove(kept);
  check_every_png_complete(disk.path());
  for (const auto& entry : fs::directory_iterator(disk.path())) CHECK_FALSE(hidden(entry.path()));
}

TEST_CASE("attention killed with SIGKILL mid-run leaves every file with its final name complete", "[cli][interrupted]") {
  const fs::path folder = fs::temp_directory_path() / "vitlens_killed_export";
  fs::remove_all(folder);
  fs::create_directories(folder / "in");
  fs::create_directories(folder / "out");
  for (int i = 0; i < 60; ++i) fs::copy_file(kFruits, folder / "in" / ("fruits" + std::to_string(i) + ".jpg"));
  const std::vector<std::string> argv = {kCli, "attention", "--model", kVit, "--device", "cpu", "--format", "overlay,heatmap,grid",
                                         "--out", (folder / "out").string(), (folder / "in").string()};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log = (folder / "log").string();

  const pid_t pid = fork();
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(out, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  // Kill it once it has written some files, long before it is done.
  size_t seen = 0;
  for (int wait = 0; wait < 6000 && seen < 40; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    seen = static_cast<size_t>(std::distance(fs::directory_iterator(folder / "out"), fs::directory_iterator()));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  INFO(slurp(log));
  REQUIRE(WIFSIGNALED(status));
  CHECK(check_every_png_complete(folder / "out") >= 20);
  fs::remove_all(folder);
}
