#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <QImage>
#include <QObject>
#include <QSize>
#include <QString>
#include <opencv2/core.hpp>

#include "inference/inference_run.hpp"

#include "inference/inference_result.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/live/pipeline.hpp"

namespace vitlens {
class VideoRecorder;
class VideoSource;
}

namespace vitlens::gui {

// Live mode for the window: runs the engine's LivePipeline (capture thread keeping only the
// newest frame, inference thread taking it when free) and hands frames and results to the
// UI thread as signals. Both are handed over newest-only as well: while the UI has not
// shown the last frame (or result), newer ones replace it instead of queueing behind it, so
// a slow UI never builds a backlog and the latency measured stays capture to display.
class LiveController : public QObject {
  Q_OBJECT

 public:
  explicit LiveController(QObject* parent = nullptr);
  ~LiveController() override;

  // Opens `source` ("0", a file, a URL) off the UI thread, since a stream may take seconds
  // to answer, then starts: opened() or openFailed() follows. `resolution` asks a camera for
  // a frame size (empty: its default). Opening another source, or stop(), drops this one.
  void open(const QString& source, QSize resolution, std::shared_ptr<Session> session);
  void stop();
  bool opening() const { return opening_ != 0; }
  bool running() const { return pipeline_ != nullptr; }
  // The name results carry as their image path ("camera 0", the file, the URL).
  const QString& sourceName() const { return source_name_; }

  void setPaused(bool paused);
  bool paused() const;
  // From the next frame on: another model or device, or other attention rows to keep.
  void setSession(std::shared_ptr<Session> session);
  void setQueries(const std::vector<QueryToken>& queries);
  // What a frame may keep of the attention (RunRequest::budget_bytes). Live frames keep no
  // streamed rollout: a rollout over the budget is shown as unavailable.
  void setAttentionBudget(double bytes);
  void setDetectionOptions(const DetectionOptions& options);
  void setInputOptions(const InputOptions& input);

  // Records every captured frame with the newest result drawn over it; false (and
  // errorOccurred) when the file cannot be written. stopRecording() finishes the file.
  bool startRecording(const QString& path, bool overwrite);
  void stopRecording();
  bool recording() const;

  // Offers a result to the UI thread (called on the inference thread): resultArrived follows
  // with the newest result offered by the time the UI gets to it; results it replaced are
  // never shown (nor counted in the latency).
  void offerResult(std::shared_ptr<const InferenceResult> result, std::chrono::steady_clock::time_point captured);
  // The UI showed the result of a frame captured at `captured`: latency is measured to here.
  void resultShown(std::chrono::steady_clock::time_point captured);
  LiveStats stats() const;

 signals:
  void frameArrived(const cv::Mat& rgb, const QImage& image);
  void resultArrived(std::shared_ptr<const InferenceResult> result, std::chrono::steady_clock::time_point captured);
  void opened();
  void openFailed(const QString& message);
  void errorOccurred(const QString& message);
  // The source ended by itself: `failure` is empty for a file that played to its end.
  void ended(const QString& failure);

 private:
  void start(std::unique_ptr<VideoSource> source, const QString& name);
  FrameProcessor processor();
  void updateProcessor();
  void onFrame(const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest);

  std::unique_ptr<LivePipeline> pipeline_;
  QString source_name_;
  std::shared_ptr<Session> session_;
  std::vector<QueryToken> queries_;
  double budget_bytes_ = kDefaultAttentionBudgetBytes;
  DetectionOptions detection_;
  InputOptions input_;
  std::atomic<bool> frame_pending_{false};
  std::mutex result_mutex_;  // guards the result offered to the UI and its capture time
  std::shared_ptr<const InferenceResult> offered_;
  std::chrono::steady_clock::time_point offered_captured_;
  quint64 open_generation_ = 0;  // the newest open(); older ones are dropped when they finish
  quint64 opening_ = 0;          // the generation being opened, 0 when none

  mutable std::mutex recorder_mutex_;  // the capture thread writes, the UI starts and stops
  std::unique_ptr<VideoRecorder> recorder_;
};

}  // namespace vitlens::gui
