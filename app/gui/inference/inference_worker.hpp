#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <opencv2/core.hpp>

#include "inference/inference_result.hpp"
#include "inference/inference_run.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/image/input_size.hpp"

namespace vitlens {
class Session;
}

namespace vitlens::gui {

// Loads models and runs images off the UI thread, one job at a time on its own thread (a
// Session is not to be used concurrently). Each run gets a generation number: a newer run
// supersedes the older ones, whose results are dropped and which are skipped if they have
// not started yet.
class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  explicit InferenceWorker(QObject* parent = nullptr);
  ~InferenceWorker() override;

  // Loads the model and opens it on `device` ("auto", "cpu", "reference", a Vulkan index); modelReady or
  // modelFailed follows. A failure keeps the current model.
  void loadModel(const QString& path, const QString& device);
  // Opens the current model on another device; modelReady or modelFailed follows.
  void setDevice(const QString& device);
  // Runs an image with the current model. `queries` are tokens whose attention rows must
  // be kept even when the input is too large to keep them all; `rollout`, the settings
  // whose rollout is then accumulated layer by layer; `explain`, the settings whose relevance
  // or Grad-CAM is computed (RunRequest).
  void run(const QString& path, const cv::Mat& rgb, const std::vector<QueryToken>& queries = {},
           const std::optional<AttentionSettings>& rollout = std::nullopt,
           const std::optional<AttentionSettings>& explain = std::nullopt);
  // The input size and token limit later runs use.
  void setInputOptions(const InputOptions& input) { input_ = input; }
  const InputOptions& inputOptions() const { return input_; }
  // What later runs may keep of the attention (RunRequest::budget_bytes).
  void setAttentionBudget(double bytes) { budget_bytes_ = bytes; }
  double attentionBudget() const { return budget_bytes_; }

  bool hasModel() const { return session_ != nullptr; }
  // The open session, for live mode, which runs it from its own thread (Session serialises runs).
  std::shared_ptr<Session> session() const { return session_; }
  std::shared_ptr<const Model> model() const { return model_; }
  const DeviceInfo& device() const { return device_; }

 signals:
  void modelReady();
  void modelFailed(const QString& message);
  void resultReady(std::shared_ptr<const InferenceResult> result);
  void runFailed(const QString& image_path, const QString& message);
  void busyChanged(bool busy);

 private:
  void open(const QString& path, const QString& device, std::shared_ptr<const Model> loaded);
  void started();
  void finished();

  QThreadPool pool_;
  std::shared_ptr<const Model> model_;
  std::shared_ptr<Session> session_;
  DeviceInfo device_;
  InputOptions input_;
  double budget_bytes_ = kDefaultAttentionBudgetBytes;
  std::atomic<quint64> generation_{0};
  int in_flight_ = 0;
};

}  // namespace vitlens::gui
