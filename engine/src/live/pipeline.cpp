#include "vitlens/live/pipeline.hpp"

#include "vitlens/analysis/maps.hpp"
#include "vitlens/image/preprocess.hpp"

namespace vitlens {

namespace {

using Clock = std::chrono::steady_clock;

// How often a paused file checks whether it may go on.
constexpr std::chrono::milliseconds kPausePoll{20};

AttentionRequest attention_rows(const LiveOptions& options, const TokenLayout& layout) {
  if (options.all_attention_rows) return AttentionRequest::all();
  if (options.attention_queries.empty()) return AttentionRequest::heads_only();
  return attention_request(resolve_queries(options.attention_queries, layout));
}

}  // namespace

FrameProcessor session_processor(std::shared_ptr<Session> session, LiveOptions options) {
  return [session = std::move(session), options = std::move(options)](const LiveFrame& frame) {
    auto result = std::make_shared<LiveResult>();
    const Model& model = session->model();
    result->model = session->shared_model();
    const InputPlan plan = input_plan(model, frame.rgb.size(), options.input);
    const Tensor pixels = preprocess(frame.rgb, plan.preprocess);
    result->input_size = plan.input;
    result->layout = token_layout(model.config, result->input_size.height, result->input_size.width);
    result->output = session->run(pixels, attention_rows(options, result->layout));
    if (model.has_detector())
      result->detections = detect_objects(result->output, model.labels, frame.rgb.size(), options.detection);
    else if (model.has_classifier())
      result->predictions = top_k(result->output.logits, model.labels, options.top_k);
    return result;
  };
}

LivePipeline::LivePipeline(std::unique_ptr<VideoSource> source, FrameProcessor processor, Callbacks callbacks,
                           LiveLimits limits)
    : source_(std::move(source)), callbacks_(std::move(callbacks)), limits_(limits), processor_(std::move(processor)) {}

LivePipeline::~LivePipeline() { stop(); }

void LivePipeline::start() {
  if (capture_.joinable()) return;
  inference_ = std::thread(&LivePipeline::inference_loop, this);
  capture_ = std::thread(&LivePipeline::capture_loop, this);
}

void LivePipeline::stop() {
  stopping_ = true;
  slot_.close();
  if (capture_.joinable()) capture_.join();
  if (inference_.joinable()) inference_.join();
}

bool LivePipeline::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return finished_changed_.wait_for(lock, timeout, [this] { return finished_; });
}

void LivePipeline::set_paused(bool paused) { paused_ = paused; }

void LivePipeline::set_processor(FrameProcessor processor) {
  std::lock_guard lock(mutex_);
  processor_ = std::move(processor);
}

FrameProcessor LivePipeline::processor() const {
  std::lock_guard lock(mutex_);
  return processor_;
}

std::shared_ptr<const LiveResult> LivePipeline::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

void LivePipeline::displayed(Clock::time_point captured) { meter_.displayed(captured, Clock::now()); }

bool LivePipeline::limit_reached(const LiveFrame& frame, Clock::time_point first) const {
  if (limits_.frames && frame.index + 1 >= limits_.frames) return true;
  return limits_.seconds > 0 && std::chrono::duration<double>(frame.captured - first).count() >= limits_.seconds;
}

void LivePipeline::capture_loop() {
  bool was_paused = false;
  LiveFrame frame;
  Clock::time_point first{};
  while (!stopping_) {
    if (paused_) {
      was_paused = true;
      if (source_->spec().is_live()) {
        if (!source_->read(frame)) break;  // drained so no stale frames wait in the driver
      } else {
        std::this_thread::sleep_for(kPausePoll);
      }
      continue;
    }
    if (was_paused) {
      source_->restart_clock();
      was_paused = false;
    }
    if (!source_->read(frame)) break;
    if (frame.index == 0) first = frame.captured;
    meter_.captured(frame.captured);
    if (slot_.put(frame)) meter_.dropped();
    if (callbacks_.frame) callbacks_.frame(frame, latest());
    if (limit_reached(frame, first)) break;
  }
  // Told before the slot closes, so the end is known by the time wait_for() returns.
  if (!stopping_ && callbacks_.ended) callbacks_.ended(source_->failure());
  slot_.close();
}

void LivePipeline::inference_loop() {
  while (std::optional<LiveFrame> frame = slot_.take()) {
    if (stopping_) break;
    const auto begin = Clock::now();
    try {
      std::shared_ptr<LiveResult> result = processor()(*frame);
      const auto end = Clock::now();
      result->frame = std::move(*frame);
      result->process_ms = std::chrono::duration<double, std::milli>(end - begin).count();
      meter_.processed(end, result->process_ms);
      {
        std::lock_guard lock(mutex_);
        latest_ = result;
      }
      if (callbacks_.result) callbacks_.result(result);
    } catch (const std::exception& e) {
      if (callbacks_.error) callbacks_.error(e.what());
    }
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  finished_changed_.notify_all();
}

}  // namespace vitlens
