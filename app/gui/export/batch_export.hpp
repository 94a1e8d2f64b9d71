#pragma once
#include <atomic>
#include <memory>
#include <set>

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

#include "export/export_files.hpp"
#include "inference/inference_run.hpp"
#include "panels/attention_settings.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::gui {

// A folder of images exported with one model and the current attention settings.
struct BatchJob {
  QStringList images;
  QString output_folder;
  std::set<ExportKind> kinds;  // any but View
  AttentionSettings settings;
  double score_threshold = 0.5;
  float nms_iou = 0;  // detections: per-class NMS, 0 for none
  std::shared_ptr<const Model> model;
  InputOptions input;  // the input size chosen in the window
  double budget_bytes = kDefaultAttentionBudgetBytes;  // what a run may keep of the attention
  QString device;  // choose_device spec
  bool overwrite = false;  // else images with an existing output are skipped
};

struct BatchSummary {
  int images = 0;
  int done = 0;
  int skipped = 0;  // an output existed
  int failed = 0;
  int files = 0;
  bool cancelled = false;
  QStringList problems;  // one line per skipped or failed image
};

// The outputs of each image of a job: what the job would write, in image order.
std::vector<QStringList> planned_outputs(const BatchJob& job);
// The output name stem of each image: its base name, or its whole file name when two
// images share a base name (photo.bmp, photo.tiff).
QStringList output_stems(const QStringList& images);

// Runs a BatchJob on its own session off the UI thread: progress as it goes, cancel
// between images, a summary at the end. One bad image never stops the others.
class BatchExport : public QObject {
  Q_OBJECT

 public:
  explicit BatchExport(QObject* parent = nullptr);
  ~BatchExport() override;

  void start(BatchJob job);
  void cancel() { cancelled_ = true; }
  bool running() const { return watcher_.isRunning(); }

 signals:
  void progress(int done, int total, const QString& image);
  void finished(const BatchSummary& summary);

 private:
  BatchSummary run(const BatchJob& job);

  QFutureWatcher<BatchSummary> watcher_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace vitlens::gui
