#include "inference/inference_worker.hpp"

#include <QFutureWatcher>
#include <QtConcurrent>

#include "inference/inference_run.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::gui {

namespace {

struct LoadOutcome {
  std::shared_ptr<const Model> model;
  std::shared_ptr<Session> session;
  DeviceInfo device;
  QString error;
};

struct RunOutcome {
  std::shared_ptr<const InferenceResult> result;
  QString error;
  bool superseded = false;
};

// Loads the model at `path`, or takes `loaded` when it is given (a device change).
LoadOutcome load(const QString& path, const QString& device, std::shared_ptr<const Model> loaded) {
  LoadOutcome outcome;
  try {
    outcome.model = loaded ? loaded : std::make_shared<const Model>(load_model(path.toStdString()));
    outcome.device = choose_device(device.toStdString());
    outcome.session = std::make_shared<Session>(outcome.model, outcome.device);
  } catch (const std::exception& e) {
    outcome.error = QString::fromStdString(e.what());
  }
  return outcome;
}

}  // namespace

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

InferenceWorker::~InferenceWorker() {
  ++generation_;
  pool_.waitForDone();
}

void InferenceWorker::started() {
  if (in_flight_++ == 0) emit busyChanged(true);
}

void InferenceWorker::finished() {
  if (--in_flight_ == 0) emit busyChanged(false);
}

void InferenceWorker::loadModel(const QString& path, const QString& device) { open(path, device, nullptr); }

void InferenceWorker::setDevice(const QString& device) {
  if (model_) open(QString::fromStdString(model_->path), device, model_);
}

void InferenceWorker::open(const QString& path, const QString& device, std::shared_ptr<const Model> loaded) {
  started();
  auto* watcher = new QFutureWatcher<LoadOutcome>(this);
  connect(watcher, &QFutureWatcher<LoadOutcome>::finished, this, [this, watcher] {
    const LoadOutcome outcome = watcher->result();
    watcher->deleteLater();
    if (outcome.error.isEmpty()) {
      model_ = outcome.model;
      session_ = outcome.session;
      device_ = outcome.device;
    }
    finished();
    if (outcome.error.isEmpty())
      emit modelReady();
    else
      emit modelFailed(outcome.error);
  });
  watcher->setFuture(QtConcurrent::run(&pool_, load, path, device, std::move(loaded)));
}

void InferenceWorker::run(const QString& path, const cv::Mat& rgb, const std::vector<QueryToken>& queries,
                          const std::optional<AttentionSettings>& rollout, const std::optional<AttentionSettings>& explain) {
  if (!session_) return;
  const quint64 generation = ++generation_;
  started();
  auto* watcher = new QFutureWatcher<RunOutcome>(this);
  connect(watcher, &QFutureWatcher<RunOutcome>::finished, this, [this, watcher, generation, path] {
    const RunOutcome outcome = watcher->result();
    watcher->deleteLater();
    finished();
    if (outcome.superseded || generation != generation_) return;
    if (outcome.result)
      emit resultReady(outcome.result);
    else
      emit runFailed(path, outcome.error);
  });
  watcher->setFuture(QtConcurrent::run(&pool_, [this, generation, model = model_, session = session_, path, rgb,
                                                request = RunRequest{queries, rollout, budget_bytes_, input_, explain}] {
    RunOutcome outcome;
    if (generation != generation_) {
      outcome.superseded = true;
      return outcome;
    }
    try {
      outcome.result = run_inference(model, *session, path, rgb, request);
    } catch (const std::exception& e) {
      outcome.error = QString::fromStdString(e.what());
    }
    return outcome;
  }));
}

}  // namespace vitlens::gui
