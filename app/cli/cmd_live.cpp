#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <mutex>

#include "command.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/live/overlay.hpp"
#include "vitlens/live/pipeline.hpp"
#include "vitlens/live/recorder.hpp"
#include "vitlens/live/source.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cli {

namespace {

constexpr auto kReportInterval = std::chrono::seconds(1);

// "640x480" -> cv::Size; throws UsageError.
cv::Size resolution_option(const ParsedArgs& args) {
  if (!args.has("resolution")) return {};
  const std::string text = args.value("resolution");
  const size_t x = text.find('x');
  if (x == std::string::npos) throw UsageError("--resolution expects WIDTHxHEIGHT such as 1280x720, not '" + text + "'");
  return {parse_integer(text.substr(0, x), "--resolution width", 1, 16384),
          parse_integer(text.substr(x + 1), "--resolution height", 1, 16384)};
}

void print_cameras() {
  const std::vector<CameraInfo> cameras = list_cameras();
  if (cameras.empty()) {
    std::cout << "no V4L2 cameras found (/dev/video*)\n";
    return;
  }
  Table table({{"SOURCE", Table::Align::Right}, {"DEVICE", Table::Align::Left}, {"NAME", Table::Align::Left},
               {"SIZES", Table::Align::Left}});
  for (const CameraInfo& c : cameras) {
    std::string sizes;
    for (const cv::Size& s : c.sizes) sizes.append(sizes.empty() ? "" : " ").append(std::to_string(s.width)).append("x").append(std::to_string(s.height));
    table.add_row({std::to_string(c.index), c.device, c.name, sizes});
  }
  table.print(std::cout);
}

LiveOptions live_options(const ParsedArgs& args, const Model& model) {
  LiveOptions options;
  options.input = input_options(args);
  check_input_options_for(options.input, model);
  options.detection.threshold = static_cast<float>(args.number("threshold", options.detection.threshold, 0, 1));
  return options;
}

// Everything the run reports at the end, collected from the pipeline's threads.
struct RunRecord {
  std::mutex mutex;
  std::string failure;
  std::vector<std::string> errors;
};

Json summary_json(const std::string& model, const std::string& device, const std::string& source, const LiveStats& s,
                  const std::string& out, long recorded, const std::string& failure) {
  return {{"model", model},
          {"device", device},
          {"source", source},
          {"frames_captured", s.captured},
          {"frames_processed", s.processed},
          {"frames_dropped", s.dropped},
          {"seconds", s.elapsed_s},
          {"capture_fps", s.elapsed_s > 0 ? (s.captured - 1) / s.elapsed_s : 0.0},
          {"inference_fps", s.elapsed_s > 0 ? s.processed / s.elapsed_s : 0.0},
          {"mean_inference_ms", s.mean_inference_ms},
          {"mean_latency_ms", s.mean_latency_ms},
          {"p95_latency_ms", s.p95_latency_ms},
          {"output", out.empty() ? Json(nullptr) : Json(out)},
          {"frames_recorded", recorded},
          {"error", failure.empty() ? Json(nullptr) : Json(failure)}};
}

void print_summary(const Json& j) {
  Table table({{"", Table::Align::Left}, {"", Table::Align::Right}});
  table.add_row({"frames captured", std::to_string(j["frames_captured"].get<std::uint64_t>())});
  table.add_row({"frames processed", std::to_string(j["frames_processed"].get<std::uint64_t>())});
  table.add_row({"frames dropped", std::to_string(j["frames_dropped"].get<std::uint64_t>())});
  table.add_row({"seconds", fixed(j["seconds"], 1)});
  table.add_row({"capture fps", fixed(j["capture_fps"], 1)});
  table.add_row({"inference fps", fixed(j["inference_fps"], 2)});
  table.add_row({"mean inference ms", fixed(j["mean_inference_ms"], 1)});
  table.add_row({"mean latency ms", fixed(j["mean_latency_ms"], 1)});
  table.add_row({"p95 latency ms", fixed(j["p95_latency_ms"], 1)});
  if (!j["output"].is_null())
    table.add_row({"recorded", j["output"].get<std::string>() + " (" + std::to_string(j["frames_recorded"].get<long>()) + " frames)"});
  std::cout << '\n';
  table.print(std::cout, "  ");
}

}  // namespace

ArgParser live_arguments() {
  ArgParser parser(kProgram, "live", "Run a model live on a webcam, a video file or a stream: newest frame first, nothing queued.");
  add_model_option(parser, false);
  parser.option("source", "SOURCE", "a camera index (0 for /dev/video0), a video file, or a stream URL (rtsp://, http://)");
  add_device_option(parser);
  parser.option("frames", "N", "stop after capturing N frames");
  parser.option("seconds", "S", "stop after S seconds");
  parser.flag("loop", "video files: start again from the first frame at the end (stop with --seconds, --frames or Ctrl+C)");
  parser.option("out", "FILE", "record the annotated video (every captured frame with the newest result) to FILE (.mp4, .avi, .mkv, .mov)");
  parser.flag("overwrite", "replace FILE if it exists (refused otherwise)");
  parser.option("threshold", "T", "detectors: keep detections scoring above T (default 0.5)");
  add_size_options(parser, "S x S; for detectors the shortest frame edge; smaller is faster");
  parser.option("resolution", "WxH", "ask the camera for this frame size (see --list-cameras)");
  parser.flag("list-cameras", "list the V4L2 cameras and the frame sizes they offer, then exit");
  add_json_flag(parser);
  return parser.epilog(
      "Video files play at their own frame rate, like a camera. A capture thread keeps only the newest frame; "
      "inference takes it whenever it is free, so frames it never saw are dropped, not queued, and latency (capture "
      "to result) stays one inference long. On a terminal the rates print once a second; a summary follows at the end.");
}

int run_live(const ParsedArgs& args) {
  if (args.flag("list-cameras")) {
    print_cameras();
    return 0;
  }
  if (!args.has("source")) throw UsageError("--source is required (a camera index, a video file or a stream URL)");
  if (!args.has("model")) throw UsageError("--model is required");
  const bool json = args.flag("json");
  const auto frames = static_cast<std::uint64_t>(args.integer("frames", 0, 1, 1 << 30));
  const double seconds = args.number("seconds", 0, 0, 1e7);
  const cv::Size resolution = resolution_option(args);
  const std::string out = args.value("out");
  SourceSpec spec = SourceSpec::parse(args.value("source"));
  if (args.flag("loop")) {
    if (spec.kind != SourceSpec::Kind::File) throw UsageError("--loop: " + spec.describe() + " is not a video file");
    spec.loop = true;
  }

  std::shared_ptr<const Model> model = load_model_option(args);
  const LiveOptions options = live_options(args, *model);
  auto session = std::make_shared<Session>(model, device_option(args), backend_options(args));
  auto source = std::make_unique<VideoSource>(spec, resolution);
  std::unique_ptr<VideoRecorder> recorder;
  if (!out.empty()) recorder = std::make_unique<VideoRecorder>(out, source->fps(), source->frame_size(), args.flag("overwrite"));

  if (!json)
    std::cout << "model:  " << model->path << "\ndevice: " << describe(session->device()) << "\nsource: " << spec.describe()
              << " (" << source->frame_size().width << "x" << source->frame_size().height << ", "
              << (source->fps() > 0 ? fixed(source->fps(), 1) + " fps" : std::string("frame rate unknown")) << ")\n";

  RunRecord record;
  LivePipeline* running = nullptr;
  LivePipeline::Callbacks callbacks;
  // Headless, a result is "displayed" when it is drawn into the recording; without one, when it exists.
  callbacks.result = [&](const std::shared_ptr<const LiveResult>& result) {
    if (!recorder) running->displayed(result->frame.captured);
  };
  const LiveResult* last_recorded = nullptr;  // capture thread only
  callbacks.frame = [&](const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest) {
    if (!recorder) return;
    recorder->write(draw_live_overlay(frame.rgb, latest.get(), running->stats()));
    if (latest && latest.get() != last_recorded) {
      running->displayed(latest->frame.captured);
      last_recorded = latest.get();
    }
  };
  callbacks.error = [&](const std::string& message) {
    std::lock_guard lock(record.mutex);
    if (record.errors.empty()) std::cerr << kProgram << ": " << message << '\n';
    record.errors.push_back(message);
  };
  callbacks.ended = [&](const std::string& failure) {
    std::lock_guard lock(record.mutex);
    record.failure = failure;
  };

  LivePipeline pipeline(std::move(source), session_processor(session, options), callbacks, {frames, seconds});
  running = &pipeline;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  pipeline.start();
  while (!pipeline.wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(kReportInterval)))
    if (terminal) std::cerr << "\r\033[K" << describe(pipeline.stats()) << std::flush;
  pipeline.stop();
  if (terminal) std::cerr << "\r\033[K";
  if (recorder) recorder->finish();

  const LiveStats stats = pipeline.stats();
  const Json summary = summary_json(model->path, session->device().name, spec.describe(), stats, out,
                                    recorder ? recorder->frames() : 0, record.failure);
  if (json)
    print_json(std::cout, summary);
  else
    print_summary(summary);
  if (!record.failure.empty()) std::cerr << kProgram << ": " << record.failure << '\n';
  if (record.errors.size() > 1) std::cerr << kProgram << ": " << record.errors.size() << " frames failed\n";
  return record.failure.empty() && record.errors.empty() ? 0 : 1;
}

}  // namespace vitlens::cli
