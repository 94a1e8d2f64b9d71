#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/safetensors_writer.hpp"
#include "support/small_disk.hpp"
#include "support/video_fixtures.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/live/latest_slot.hpp"
#include "vitlens/live/overlay.hpp"
#include "vitlens/live/pipeline.hpp"
#include "vitlens/live/recorder.hpp"
#include "vitlens/live/source.hpp"
#include "vitlens/live/stats.hpp"
#include "vitlens/model/model.hpp"
#include "vitlens/util/error.hpp"

// Live mode: sources, the newest-frame hand-off, the pipeline's counts and endings, recording.

using namespace vitlens;
using vitlens::test::TempDir;

namespace {

const std::string kDetector = std::string(VITLENS_SOURCE_DIR) + "/resources/models/fashion-yolos";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs a pipeline over `video` to its end and returns what it reported.
struct Run {
  LiveStats stats;
  std::string failure;
  bool ended = false;
  std::vector<std::string> errors;
  std::vector<std::shared_ptr<const LiveResult>> results;
  std::uint64_t frames_seen = 0;
};

using FrameHook = std::function<void(const LiveFrame&, const std::shared_ptr<const LiveResult>&, const LiveStats&)>;

// `on_frame` sees every captured frame on the capture thread, as a front end would.
Run run_to_end(const std::string& video, FrameProcessor processor, LiveLimits limits = {}, FrameHook on_frame = {}) {
  Run run;
  std::mutex mutex;
  LivePipeline* pipeline = nullptr;
  LivePipeline::Callbacks callbacks;
  callbacks.frame = [&](const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest) {
    ++run.frames_seen;
    if (on_frame) on_frame(frame, latest, pipeline->stats());
  };
  callbacks.result = [&](const std::shared_ptr<const LiveResult>& r) {
    pipeline->displayed(r->frame.captured);
    std::lock_guard lock(mutex);
    run.results.push_back(r);
  };
  callbacks.error = [&](const std::string& message) {
    std::lock_guard lock(mutex);
    run.errors.push_back(message);
  };
  callbacks.ended = [&](const std::string& failure) {
    std::lock_guard lock(mutex);
    run.ended = true;
    run.failure = failure;
  };
  LivePipeline live(std::make_unique<VideoSource>(SourceSpec::parse(video)), std::move(processor), callbacks, limits);
  pipeline = &live;
  live.start();
  while (!live.wait_for(std::chrono::milliseconds(100))) {
  }
  live.stop();
  run.stats = live.stats();
  return run;
}

FrameProcessor instant_processor() {
  return [](const LiveFrame&) { return std::make_shared<LiveResult>(); };
}

}  // namespace

TEST_CASE("a latest-frame slot keeps only the newest value and reports what it replaced", "[live]") {
  LatestSlot<int> slot;
  CHECK_FALSE(slot.put(1));
  CHECK(slot.put(2));  // 1 was never taken: dropped
  CHECK(slot.take() == 2);
  CHECK_FALSE(slot.put(3));
  slot.close();
  CHECK(slot.take() == 3);  // a value held at close is still delivered
  CHECK_FALSE(slot.take().has_value());
}

TEST_CASE("closing a latest-frame slot wakes a waiting taker", "[live]") {
  LatestSlot<int> slot;
  std::optional<int> taken = 7;
  std::thread taker([&] { taken = slot.take(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  slot.close();
  taker.join();
  CHECK_FALSE(taken.has_value());
}

TEST_CASE("a source names a camera by index, a stream by URL and anything else as a file", "[live]") {
  CHECK(SourceSpec::parse("0").kind == SourceSpec::Kind::Camera);
  CHECK(SourceSpec::parse("2").camera == 2);
  CHECK(SourceSpec::parse("2").describe() == "camera 2");
  CHECK(SourceSpec::parse("rtsp://camera.local/feed").kind == SourceSpec::Kind::Stream);
  CHECK(SourceSpec::parse("http://host:8080/video.mjpg").kind == SourceSpec::Kind::Stream);
  CHECK(SourceSpec::parse("clips/street.mp4").kind == SourceSpec::Kind::File);
  CHECK(SourceSpec::parse("-1").kind == SourceSpec::Kind::File);
  CHECK_THROWS_AS(SourceSpec::parse(""), Error);
}

TEST_CASE("a missing or non-video file is refused with its name", "[live]") {
  TempDir dir("live-bad-source");
  CHECK_THROWS_WITH(VideoSource(SourceSpec::parse(dir.file("missing.mp4"))), Catch::Contains("missing.mp4"));
  std::ofstream(dir.file("notes.txt")) << "not a video\n";
  CHECK_THROWS_WITH(VideoSource(SourceSpec::parse(dir.file("notes.txt"))), Catch::Contains("notes.txt"));
}

TEST_CASE("a camera that does not exist is refused with its device", "[live]") {
  CHECK_THROWS_WITH(VideoSource(SourceSpec::parse("97")), Catch::Contains("camera 97") && Catch::Contains("/dev/video97"));
}

TEST_CASE("camera listing returns only capture devices, in index order, without failing", "[live]") {
  const std::vector<CameraInfo> cameras = list_cameras();
  for (size_t i = 1; i < cameras.size(); ++i) CHECK(cameras[i - 1].index < cameras[i].index);
  for (const CameraInfo& c : cameras) CHECK(c.device == "/dev/video" + std::to_string(c.index));
}

TEST_CASE("a video file plays every frame at its size, then ends without a failure", "[live]") {
  TempDir dir("live-file");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 12, 50);
  VideoSource source(SourceSpec::parse(video));
  CHECK(source.frame_size() == cv::Size(288, 288));
  CHECK(source.fps() == Approx(50));
  LiveFrame frame;
  std::uint64_t frames = 0;
  const auto start = std::chrono::steady_clock::now();
  while (source.read(frame)) {
    CHECK(frame.index == frames++);
    CHECK(frame.rgb.type() == CV_8UC3);
  }
  CHECK(frames == 12);
  CHECK(source.failure().empty());
  // Paced like a camera: frame i is not delivered before i / fps (a busy machine only delays it).
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= 11 / 50.0 - 0.01);
}

TEST_CASE("the live meter counts frames and gives the mean and nearest-rank p95 of the latencies", "[live]") {
  LiveMeter meter;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    const auto captured = t0 + std::chrono::milliseconds(100 * i);
    meter.captured(captured);
    meter.processed(captured + std::chrono::milliseconds(10), 10.0);
    meter.displayed(captured, captured + std::chrono::milliseconds(i + 1));  // latencies 1 .. 20 ms
  }
  meter.dropped();
  const LiveStats s = meter.snapshot();
  CHECK(s.captured == 20);
  CHECK(s.processed == 20);
  CHECK(s.dropped == 1);
  CHECK(s.elapsed_s == Approx(1.9));
  CHECK(s.mean_inference_ms == Approx(10.0));
  CHECK(s.latency_ms == Approx(20.0));
  CHECK(s.mean_latency_ms == Approx(10.5));
  CHECK(s.p95_latency_ms == Approx(19.0));  // the 19th of 20 sorted values
  CHECK(s.capture_fps == Approx(10.0));     // one frame every 100 ms within the rate window
}

TEST_CASE("the live status line reports the mean and p95 latency, as the CLI's summary does", "[live]") {
  LiveMeter meter;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) meter.displayed(t0, t0 + std::chrono::milliseconds(i == 19 ? 400 : 100));
  const LiveStats s = meter.snapshot();
  const std::string line = describe(s);
  CHECK(line.find("latency mean 115 ms, p95 100 ms") != std::string::npos);  // not the last frame's 400 ms
}

TEST_CASE("a session shared by two threads gives each the result it would get alone", "[live]") {
  auto model = std::make_shared<const Model>(load_model(std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/hf_vit"));
  Session session(model, choose_device("auto"));
  const cv::Mat a(32, 32, CV_8UC3, cv::Scalar(200, 30, 90)), b(32, 32, CV_8UC3, cv::Scalar(10, 120, 250));
  const Tensor alone_a = session.run(a).logits, alone_b = session.run(b).logits;
  std::vector<Tensor> from_a(20), from_b(20);
  std::thread other([&] {
    for (Tensor& t : from_b) t = session.run(b).logits;
  });
  for (Tensor& t : from_a) t = session.run(a).logits;
  other.join();
  for (const Tensor& t : from_a) CHECK(t.data == alone_a.data);
  for (const Tensor& t : from_b) CHECK(t.data == alone_b.data);
}

TEST_CASE("with a slow model stage, frames are dropped rather than queued: inference always takes the newest frame",
          "[live]") {
  TempDir dir("live-slow");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 40, 40);
  std::atomic<std::uint64_t> newest_captured{0};
  std::vector<std::uint64_t> lag;  // frames captured after the one taken, when the stage starts
  FrameProcessor slow = [&](const LiveFrame& frame) {
    lag.push_back(newest_captured - frame.index);
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    return std::make_shared<LiveResult>();
  };
  const Run run = run_to_end(video, slow, {}, [&](const LiveFrame& frame, auto&, auto&) { newest_captured = frame.index; });
  CHECK(run.stats.captured == 40);
  CHECK(run.stats.dropped > 0);
  CHECK(run.stats.processed + run.stats.dropped == run.stats.captured);
  CHECK(run.stats.processed < run.stats.captured / 2);
  // No queue: the frame taken is the newest or, if one arrived while it was handed over, the one before.
  for (std::uint64_t frames_behind : lag) CHECK(frames_behind <= 1);
  CHECK(run.stats.p95_latency_ms >= run.stats.mean_latency_ms * 0.5);
  CHECK(run.stats.mean_latency_ms > 0);
}

TEST_CASE("a processor failing on a frame is reported and live mode goes on", "[live]") {
  TempDir dir("live-errors");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 10, 20);
  std::atomic<int> calls{0};
  FrameProcessor flaky = [&](const LiveFrame&) -> std::shared_ptr<LiveResult> {
    if (calls++ == 0) throw Error("the device was lost");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return std::make_shared<LiveResult>();
  };
  const Run run = run_to_end(video, flaky);
  REQUIRE(run.errors.size() == 1);
  CHECK(run.errors[0] == "the device was lost");
  CHECK(run.stats.processed >= 1);
  CHECK(run.ended);
  CHECK(run.failure.empty());
}

TEST_CASE("a frame limit stops capture at that many frames and ends without a failure", "[live]") {
  TempDir dir("live-limit");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 30, 100);
  const Run run = run_to_end(video, instant_processor(), {7, 0});
  CHECK(run.stats.captured == 7);
  CHECK(run.frames_seen == 7);
  CHECK(run.ended);
  CHECK(run.failure.empty());
}

TEST_CASE("a time limit stops capture early and ends without a failure", "[live]") {
  TempDir dir("live-seconds");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 200, 100);  // two seconds at its own frame rate
  const Run run = run_to_end(video, instant_processor(), {0, 0.3});
  CHECK(run.stats.captured >= 1);
  CHECK(run.stats.captured < 200);
  CHECK(run.ended);
  CHECK(run.failure.empty());
}

TEST_CASE("a looping video file starts again from its first frame at the end, numbering frames on", "[live]") {
  TempDir dir("live-loop");
  const std::string video = dir.file("scenes.avi");
  vitlens::test::write_scene_video(video, 3, 100, 3, 1);  // three frames, each a different scene
  SourceSpec spec = SourceSpec::parse(video);
  spec.loop = true;
  VideoSource source(spec);
  LiveFrame frame;
  std::vector<cv::Mat> frames;
  for (std::uint64_t i = 0; i < 8; ++i) {
    REQUIRE(source.read(frame));
    CHECK(frame.index == i);
    frames.push_back(frame.rgb.clone());
  }
  CHECK(source.failure().empty());
  CHECK(cv::norm(frames[1], frames[0], cv::NORM_INF) > 0);
  CHECK(cv::norm(frames[3], frames[0], cv::NORM_INF) == 0);  // each pass is the first again
  CHECK(cv::norm(frames[7], frames[1], cv::NORM_INF) == 0);
}

TEST_CASE("a looping file cut off mid-stream still ends with the message naming it", "[live]") {
  TempDir dir("live-loop-truncated");
  const std::string whole = dir.file("whole.avi"), cut = dir.file("cut.avi");
  vitlens::test::write_scene_video(whole, 40, 1000);
  vitlens::test::write_truncated_copy(whole, cut, 0.5);
  SourceSpec spec = SourceSpec::parse(cut);
  spec.loop = true;
  VideoSource source(spec);
  LiveFrame frame;
  int frames = 0;
  while (source.read(frame) && frames < 100) ++frames;
  CHECK(frames < 40);
  CHECK(contains(source.failure(), "truncated"));
}

TEST_CASE("a file cut off mid-stream ends with a message naming it, after the frames before the cut", "[live]") {
  TempDir dir("live-truncated");
  const std::string whole = dir.file("whole.avi"), cut = dir.file("cut.avi");
  vitlens::test::write_scene_video(whole, 40, 100);
  vitlens::test::write_truncated_copy(whole, cut, 0.5);
  const Run run = run_to_end(cut, instant_processor());
  CHECK(run.ended);
  CHECK(run.stats.captured > 5);
  CHECK(run.stats.captured < 40);
  CHECK(contains(run.failure, "cut.avi"));
  CHECK(contains(run.failure, "truncated"));
}

TEST_CASE("the bundled detector finds the scene items live, and the recording has every captured frame", "[live][demo]") {
  TempDir dir("live-detector");
  const std::string video = dir.file("scenes.avi"), recorded = dir.file("annotated.mp4");
  vitlens::test::write_scene_video(video, 20, 20, 1);  // at the scenes' own size: the pixels the detector was checked on
  auto model = std::make_shared<const Model>(load_model(kDetector));
  LiveOptions options;
  options.attention_queries = {QueryToken::parse("det:0")};
  auto session = std::make_shared<Session>(model, choose_device("auto"));

  VideoRecorder recorder(recorded, 20, {96, 96}, false);
  const Run run = run_to_end(video, session_processor(session, options), {},
                             [&](const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest,
                                 const LiveStats& stats) { recorder.write(draw_live_overlay(frame.rgb, latest.get(), stats)); });
  recorder.finish();
  const auto& results = run.results;

  REQUIRE(!results.empty());
  for (const auto& r : results) {
    CHECK(r->input_size == cv::Size(96, 96));
    CHECK(r->output.attention.dim(2) == 1);  // only the detection token's row was kept
    // Each sample scene holds two or more items, all of which the detector finds
    // (tools/make_demo_samples.py chose them so; tests/eval/test_demo_models.cpp checks it).
    CHECK(r->detections.size() >= 2);
  }
  CHECK(run.stats.captured == 20);
  CHECK(vitlens::test::count_frames(recorded) == 20);
}

TEST_CASE("a recording never replaces an existing file unless asked, and an unfinished one leaves nothing", "[live]") {
  TempDir dir("live-recorder");
  const std::string path = dir.file("clip.mp4");
  std::ofstream(path) << "precious";
  CHECK_THROWS_WITH(VideoRecorder(path, 10, {64, 48}, false), Catch::Contains("clip.mp4") && Catch::Contains("already exists"));
  {
    VideoRecorder abandoned(dir.file("abandoned.mp4"), 10, {64, 48}, false);
    abandoned.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(10, 20, 30)));
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    CHECK(entry.path().filename() == "clip.mp4");
  }
  CHECK(files == 1);
  CHECK_THROWS_WITH(VideoRecorder(dir.file("clip.gif"), 10, {64, 48}, false), Catch::Contains("unsupported video extension"));
}

TEST_CASE("a recording that fills the disk throws naming the file, and leaves no partial video and the old one intact",
          "[live][interrupted]") {
  const vitlens::test::SmallDisk disk("vitlens_small_disk_recorder");
  if (!disk.mounted()) {
    WARN("mounting a tmpfs is not permitted here: skipped");
    return;
  }
  const std::string path = (disk.path() / "clip.mp4").string();
  std::ofstream(path) << "precious";
  cv::Mat noise(240, 320, CV_8UC3);
  {
    VideoRecorder recorder(path, 10, noise.size(), true);
    for (int i = 0; i < 40; ++i) {
      cv::randu(noise, 0, 255);
      recorder.write(noise);
    }
    CHECK_THROWS_WITH(recorder.finish(), Catch::Contains(path) && Catch::Contains("is the disk full?"));
  }
  std::ifstream in(path);
  std::string kept;
  std::getline(in, kept);
  CHECK(kept == "precious");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(disk.path())) {
    ++files;
    CHECK(entry.path().filename() == "clip.mp4");
  }
  CHECK(files == 1);
}

TEST_CASE("the live overlay draws on a copy of the frame and keeps its size", "[live]") {
  const cv::Mat frame(120, 160, CV_8UC3, cv::Scalar(40, 40, 40));
  LiveResult result;
  result.predictions = {{3, "Dress", 0.9f}};
  const cv::Mat drawn = draw_live_overlay(frame, &result, LiveStats{});
  CHECK(drawn.size() == frame.size());
  CHECK(cv::norm(drawn, frame, cv::NORM_INF) > 0);
  CHECK(cv::countNonZero(frame.reshape(1) != 40) == 0);
  CHECK(contains(describe(LiveStats{}), "capture 0.0 fps"));
}
