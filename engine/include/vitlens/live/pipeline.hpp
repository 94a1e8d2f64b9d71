#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vitlens/analysis/query_token.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/live/latest_slot.hpp"
#include "vitlens/live/source.hpp"
#include "vitlens/live/stats.hpp"
#include "vitlens/model/config.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// What one processed frame produced.
struct LiveResult {
  LiveFrame frame;  // the frame it was computed from (its capture time gives the latency); set by the pipeline
  std::shared_ptr<const Model> model;
  cv::Size input_size;  // the pre-processed input
  TokenLayout layout;
  ForwardOutput output;
  std::vector<Detection> detections;    // detectors: with LiveOptions::detection applied
  std::vector<Prediction> predictions;  // classifiers: most probable first
  double process_ms = 0;                // pre-processing + forward + post-processing; set by the pipeline
};

// How session_processor runs each frame.
struct LiveOptions {
  InputOptions input;  // the model's size by default; a smaller one is faster
  DetectionOptions detection;
  int top_k = 5;
  // Attention rows to keep for a live heatmap: every row (rollout needs them all), or those
  // of these query tokens; none by default.
  bool all_attention_rows = false;
  std::vector<QueryToken> attention_queries;
};

// Turns a frame into a result on the inference thread. Throwing reports the message and
// live mode goes on with the next frame.
using FrameProcessor = std::function<std::shared_ptr<LiveResult>(const LiveFrame&)>;

// The processor that runs a session: pre-process, forward, then detections or top classes.
FrameProcessor session_processor(std::shared_ptr<Session> session, LiveOptions options);

// When live mode stops by itself, besides the end of the source.
struct LiveLimits {
  std::uint64_t frames = 0;  // after capturing this many frames; 0 = no limit
  double seconds = 0;        // after this long; 0 = no limit
};

// Live mode: a capture thread reads the source and keeps only the newest frame for an
// inference thread, which takes it whenever it is free. The front end draws the last result
// over the current frame. No queue grows, so latency stays one inference long however slow
// the model is; frames inference never saw are counted as dropped.
class LivePipeline {
 public:
  struct Callbacks {
    // Every captured frame with the newest result so far (null before the first), on the
    // capture thread: display it or record it.
    std::function<void(const LiveFrame&, const std::shared_ptr<const LiveResult>&)> frame;
    // Each new result, on the inference thread.
    std::function<void(const std::shared_ptr<const LiveResult>&)> result;
    // The processor failed on a frame (the message); live mode goes on.
    std::function<void(const std::string&)> error;
    // The source ended, once, after which no more frames come: `failure` is empty for a
    // file that played to its end or a limit reached, else what went wrong.
    std::function<void(const std::string& failure)> ended;
  };

  LivePipeline(std::unique_ptr<VideoSource> source, FrameProcessor processor, Callbacks callbacks,
               LiveLimits limits = {});
  ~LivePipeline();  // stops and joins
  LivePipeline(const LivePipeline&) = delete;
  LivePipeline& operator=(const LivePipeline&) = delete;

  void start();
  // Stops capturing, lets inference finish the frame it has, joins both threads. It can
  // take up to one read of the source (a stalled stream: its timeout).
  void stop();
  // Blocks until the source has ended and inference has drained, or `timeout` passed;
  // true when it has ended.
  bool wait_for(std::chrono::milliseconds timeout);

  // Paused: a file holds its position, a camera or stream is still read (so its buffers do
  // not fill with stale frames) but nothing is shown or inferred.
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  // Switches model, device or settings without reopening the source: from the next frame on.
  void set_processor(FrameProcessor processor);

  // The front end calls this when the result of the frame captured at `captured` reached
  // the screen (or the recording), so the latency measured is capture to display.
  void displayed(std::chrono::steady_clock::time_point captured);

  LiveStats stats() const { return meter_.snapshot(); }
  std::shared_ptr<const LiveResult> latest() const;
  const VideoSource& source() const { return *source_; }

 private:
  void capture_loop();
  void inference_loop();
  FrameProcessor processor() const;
  bool limit_reached(const LiveFrame& frame, std::chrono::steady_clock::time_point first) const;

  std::unique_ptr<VideoSource> source_;
  Callbacks callbacks_;
  LiveLimits limits_;
  LiveMeter meter_;
  LatestSlot<LiveFrame> slot_;

  mutable std::mutex mutex_;  // guards processor_, latest_, finished_
  FrameProcessor processor_;
  std::shared_ptr<const LiveResult> latest_;
  bool finished_ = false;
  std::condition_variable finished_changed_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> paused_{false};
  std::thread capture_;
  std::thread inference_;
};

}  // namespace vitlens
