#pragma once
#include <QFutureWatcher>
#include <QObject>
#include <QStringList>
#include <atomic>
#include <memory>

#include "vitlens/hub/download.hpp"

namespace vitlens::gui {

// One model download from the Hugging Face hub (engine/hub: the cache, libcurl), run on a
// QtConcurrent thread so the window stays responsive; progress and the outcome come back as
// queued signals on the GUI thread.
class HubDownload : public QObject {
  Q_OBJECT

 public:
  explicit HubDownload(QObject* parent = nullptr);
  ~HubDownload() override;

  // Starts fetching `id` with `options` (HubOptions::from_environment() in the app).
  void start(const HubModelId& id, HubOptions options);
  // Asks the download to stop; it ends with failed(..., true), keeping a resumable file.
  void cancel() { cancelled_ = true; }
  bool running() const { return watcher_.isRunning(); }

 signals:
  void progress(const QString& file, qint64 file_done, qint64 file_total, qint64 done, qint64 total);
  void finished(const QString& folder, const QStringList& notes);
  void failed(const QString& message, bool cancelled);

 private:
  struct Outcome {
    QString folder;
    QStringList notes;
    QString error;
    bool cancelled = false;
  };
  QFutureWatcher<Outcome> watcher_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace vitlens::gui
