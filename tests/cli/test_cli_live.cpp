// vitlens-cli live, run as a subprocess on test videos made from the bundled sample scenes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/safetensors_writer.hpp"
#include "support/video_fixtures.hpp"

using nlohmann::json;
using vitlens::test::TempDir;

namespace {

const std::string kResources = std::string(VITLENS_SOURCE_DIR) + "/resources";
const std::string kDetector = kResources + "/models/fashion-yolos";
const std::string kClassifier = kResources + "/models/fashion-vit";

vitlens::test::ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), VITLENS_CLI_PATH);
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("live --json summarises a video run and records every captured frame, annotated", "[cli][live]") {
  TempDir dir("cli-live");
  const std::string video = dir.file("scenes.avi"), out = dir.file("annotated.mp4");
  vitlens::test::write_scene_video(video, 30, 30);
  const auto r = cli({"live", "--model", kDetector, "--source", video, "--frames", "24", "--out", out, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json summary = json::parse(r.out);
  for (const char* key : {"model", "device", "source", "frames_captured", "frames_processed", "frames_dropped", "seconds",
                          "capture_fps", "inference_fps", "mean_inference_ms", "mean_latency_ms", "p95_latency_ms",
                          "output", "frames_recorded", "error"})
    CHECK(summary.contains(key));
  CHECK(summary.at("frames_captured") == 24);
  CHECK(summary.at("frames_processed").get<int>() >= 1);
  CHECK(summary.at("frames_processed").get<int>() + summary.at("frames_dropped").get<int>() == 24);
  CHECK(summary.at("frames_recorded") == 24);
  CHECK(summary.at("error").is_null());
  CHECK(vitlens::test::count_frames(out) == 24);
}

TEST_CASE("live runs a classifier on a video and prints the summary as text", "[cli][live]") {
  TempDir dir("cli-live-classifier");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 10, 50);
  const auto r = cli({"live", "--model", kClassifier, "--source", video});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "frames captured"));
  CHECK(contains(r.out, "p95 latency ms"));
  CHECK(contains(r.out, "source: " + video));
}

TEST_CASE("live never replaces an existing recording unless --overwrite", "[cli][live]") {
  TempDir dir("cli-live-overwrite");
  const std::string video = dir.file("scenes.avi"), out = dir.file("annotated.mp4");
  vitlens::test::write_scene_video(video, 6, 50);
  std::ofstream(out) << "keep me";
  const auto refused = cli({"live", "--model", kDetector, "--source", video, "--out", out});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "annotated.mp4: already exists"));
  CHECK(vitlens::test::detail::slurp(out) == "keep me");
  const auto replaced = cli({"live", "--model", kDetector, "--source", video, "--out", out, "--overwrite"});
  INFO(replaced.err);
  CHECK(replaced.exit_code == 0);
  CHECK(vitlens::test::count_frames(out) == 6);
}

TEST_CASE("live reports a source that cannot be opened, or fails mid-stream, with exit code 1", "[cli][live]") {
  TempDir dir("cli-live-bad");
  const auto missing = cli({"live", "--model", kDetector, "--source", dir.file("nowhere.mp4")});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "nowhere.mp4"));

  const std::string whole = dir.file("whole.avi"), cut = dir.file("cut.avi");
  vitlens::test::write_scene_video(whole, 40, 100);
  vitlens::test::write_truncated_copy(whole, cut, 0.5);
  const auto truncated = cli({"live", "--model", kDetector, "--source", cut, "--json"});
  CHECK(truncated.exit_code == 1);
  CHECK(contains(truncated.err, "cut.avi"));
  CHECK(contains(json::parse(truncated.out).at("error").get<std::string>(), "truncated"));
}

TEST_CASE("live --loop plays a video file again from the start until the frame limit", "[cli][live]") {
  TempDir dir("cli-live-loop");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 6, 100);
  const auto r = cli({"live", "--model", kClassifier, "--source", video, "--loop", "--frames", "20", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json summary = json::parse(r.out);
  CHECK(summary.at("frames_captured") == 20);
  CHECK(summary.at("error").is_null());
  const auto camera = cli({"live", "--model", kClassifier, "--source", "0", "--loop"});
  CHECK(camera.exit_code == 2);
  CHECK(contains(camera.err, "--loop: camera 0 is not a video file"));
}

TEST_CASE("live's usage errors: no source, a bad resolution, a size below one patch, a negative time", "[cli][live]") {
  CHECK(cli({"live", "--model", kDetector}).exit_code == 2);
  CHECK(cli({"live", "--model", kDetector, "--source", "0", "--resolution", "wide"}).exit_code == 2);
  const auto size = cli({"live", "--model", kClassifier, "--source", "0", "--size", "2x64"});
  CHECK(size.exit_code == 2);
  CHECK(contains(size.err, "smaller than one patch"));
  const auto seconds = cli({"live", "--model", kDetector, "--source", "0", "--seconds", "-1"});
  CHECK(seconds.exit_code == 2);
  CHECK(contains(seconds.err, "--seconds expects a number"));
  CHECK(cli({"live", "--list-cameras"}).exit_code == 0);
}
