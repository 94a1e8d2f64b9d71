#include "live/live_controller.hpp"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QtConcurrent>

#include "canvas/image_conversion.hpp"
#include "inference/inference_run.hpp"
#include "vitlens/live/overlay.hpp"
#include "vitlens/live/recorder.hpp"

namespace vitlens::gui {

LiveController::LiveController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<cv::Mat>("cv::Mat");
  qRegisterMetaType<std::shared_ptr<const InferenceResult>>("std::shared_ptr<const InferenceResult>");
  qRegisterMetaType<std::chrono::steady_clock::time_point>("std::chrono::steady_clock::time_point");
}

LiveController::~LiveController() { stop(); }

namespace {

struct OpenOutcome {
  std::unique_ptr<VideoSource> source;
  QString name;
  QString error;
};

std::shared_ptr<OpenOutcome> open_source(const QString& text, QSize resolution) {
  auto outcome = std::make_shared<OpenOutcome>();
  try {
    const SourceSpec spec = SourceSpec::parse(text.toStdString());
    outcome->name = QString::fromStdString(spec.describe());
    outcome->source = std::make_unique<VideoSource>(spec, cv::Size(resolution.width(), resolution.height()));
  } catch (const std::exception& e) {
    outcome->error = QString::fromStdString(e.what());
  }
  return outcome;
}

}  // namespace

void LiveController::open(const QString& source, QSize resolution, std::shared_ptr<Session> session) {
  stop();
  session_ = std::move(session);
  const quint64 generation = opening_ = ++open_generation_;
  auto* watcher = new QFutureWatcher<std::shared_ptr<OpenOutcome>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<OpenOutcome>>::finished, this, [this, watcher, generation] {
    const std::shared_ptr<OpenOutcome> outcome = watcher->result();
    watcher->deleteLater();
    if (generation != opening_) return;  // superseded or stopped while it opened
    opening_ = 0;
    if (!outcome->error.isEmpty()) {
      emit openFailed(outcome->error);
      return;
    }
    start(std::move(outcome->source), outcome->name);
    emit opened();
  });
  watcher->setFuture(QtConcurrent::run(open_source, source, resolution));
}

void LiveController::start(std::unique_ptr<VideoSource> video, const QString& name) {
  source_name_ = name;
  frame_pending_ = false;

  LivePipeline::Callbacks callbacks;
  callbacks.frame = [this](const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest) { onFrame(frame, latest); };
  callbacks.error = [this](const std::string& message) {
    QMetaObject::invokeMethod(this, [this, m = QString::fromStdString(message)] { emit errorOccurred(m); }, Qt::QueuedConnection);
  };
  callbacks.ended = [this](const std::string& failure) {
    QMetaObject::invokeMethod(this, [this, f = QString::fromStdString(failure)] { emit ended(f); }, Qt::QueuedConnection);
  };
  pipeline_ = std::make_unique<LivePipeline>(std::move(video), processor(), std::move(callbacks));
  pipeline_->start();
}

void LiveController::stop() {
  opening_ = 0;
  if (!pipeline_) return;
  pipeline_->stop();
  pipeline_.reset();
  stopRecording();
}

void LiveController::setPaused(bool paused) {
  if (pipeline_) pipeline_->set_paused(paused);
}

bool LiveController::paused() const { return pipeline_ && pipeline_->paused(); }

void LiveController::setSession(std::shared_ptr<Session> session) {
  session_ = std::move(session);
  updateProcessor();
}

void LiveController::setQueries(const std::vector<QueryToken>& queries) {
  queries_ = queries;
  updateProcessor();
}

void LiveController::setDetectionOptions(const DetectionOptions& options) {
  detection_ = options;
  updateProcessor();
}

void LiveController::setInputOptions(const InputOptions& input) {
  input_ = input;
  updateProcessor();
}

void LiveController::setAttentionBudget(double bytes) {
  budget_bytes_ = bytes;
  updateProcessor();
}

void LiveController::updateProcessor() {
  if (pipeline_) pipeline_->set_processor(processor());
}

// The window's own still-image run (same attention rows, same results), then the boxes or
// classes the recording draws.
FrameProcessor LiveController::processor() {
  return [this, session = session_, request = RunRequest{queries_, {}, budget_bytes_, input_, {}}, detection = detection_,
          name = source_name_](const LiveFrame& frame) {
    std::shared_ptr<const InferenceResult> shown = run_inference(session->shared_model(), *session, name, frame.rgb, request);
    auto live = std::make_shared<LiveResult>();
    live->model = shown->model;
    live->input_size = shown->input_size;
    live->layout = shown->layout;
    live->predictions = shown->predictions;
    if (shown->model->has_detector())
      live->detections = detect_objects(shown->output, shown->model->labels, frame.rgb.size(), detection);
    offerResult(std::move(shown), frame.captured);
    return live;
  };
}

void LiveController::offerResult(std::shared_ptr<const InferenceResult> result, std::chrono::steady_clock::time_point captured) {
  bool waiting = false;
  {
    std::lock_guard lock(result_mutex_);
    waiting = offered_ != nullptr;  // the UI has been told and will take this one instead
    offered_ = std::move(result);
    offered_captured_ = captured;
  }
  if (waiting) return;
  QMetaObject::invokeMethod(
      this,
      [this] {
        std::shared_ptr<const InferenceResult> newest;
        std::chrono::steady_clock::time_point captured;
        {
          std::lock_guard lock(result_mutex_);
          newest = std::move(offered_);
          captured = offered_captured_;
        }
        if (newest) emit resultArrived(newest, captured);
      },
      Qt::QueuedConnection);
}

void LiveController::onFrame(const LiveFrame& frame, const std::shared_ptr<const LiveResult>& latest) {
  {
    std::lock_guard lock(recorder_mutex_);
    if (recorder_) recorder_->write(draw_live_overlay(frame.rgb, latest.get(), pipeline_->stats()));
  }
  if (frame_pending_.exchange(true)) return;  // the UI has not shown the previous frame yet
  QMetaObject::invokeMethod(
      this,
      [this, rgb = frame.rgb, image = to_qimage(frame.rgb)] {
        frame_pending_ = false;
        emit frameArrived(rgb, image);
      },
      Qt::QueuedConnection);
}

bool LiveController::startRecording(const QString& path, bool overwrite) {
  if (!pipeline_) return false;
  try {
    auto recorder = std::make_unique<VideoRecorder>(path.toStdString(), pipeline_->source().fps(),
                                                    pipeline_->source().frame_size(), overwrite);
    std::lock_guard lock(recorder_mutex_);
    recorder_ = std::move(recorder);
    return true;
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromStdString(e.what()));
    return false;
  }
}

void LiveController::stopRecording() {
  std::unique_ptr<VideoRecorder> finished;
  {
    std::lock_guard lock(recorder_mutex_);
    finished = std::move(recorder_);
  }
  if (!finished) return;
  try {
    finished->finish();
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromStdString(e.what()));
  }
}

bool LiveController::recording() const {
  std::lock_guard lock(recorder_mutex_);
  return recorder_ != nullptr;
}

void LiveController::resultShown(std::chrono::steady_clock::time_point captured) {
  if (pipeline_) pipeline_->displayed(captured);
}

LiveStats LiveController::stats() const { return pipeline_ ? pipeline_->stats() : LiveStats{}; }

}  // namespace vitlens::gui
