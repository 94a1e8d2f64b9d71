#include "shell/hub_download.hpp"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent>
#include <chrono>

namespace vitlens::gui {

HubDownload::HubDownload(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, [this] {
    const Outcome outcome = watcher_.result();
    if (outcome.error.isEmpty())
      emit finished(outcome.folder, outcome.notes);
    else
      emit failed(outcome.error, outcome.cancelled);
  });
}

HubDownload::~HubDownload() {
  cancel();
  watcher_.waitForFinished();
}

void HubDownload::start(const HubModelId& id, HubOptions options) {
  cancelled_ = false;
  QPointer<HubDownload> self(this);
  auto last_post = std::make_shared<std::chrono::steady_clock::time_point>();
  options.progress = [this, self, last_post](const HubProgress& p) {
    // At most 20 updates a second reach the GUI thread (libcurl reports far more often).
    const auto now = std::chrono::steady_clock::now();
    const bool file_done = p.file_bytes_total && p.file_bytes_done >= p.file_bytes_total;
    if (!file_done && now - *last_post < std::chrono::milliseconds(50)) return !cancelled_.load();
    *last_post = now;
    // Queued: the slot runs on the GUI thread; the pointer guards a window closed mid-way.
    QMetaObject::invokeMethod(
        this,
        [self, p] {
          if (self)
            emit self->progress(QString::fromStdString(p.file), static_cast<qint64>(p.file_bytes_done), static_cast<qint64>(p.file_bytes_total),
                                static_cast<qint64>(p.bytes_done), static_cast<qint64>(p.bytes_total));
        },
        Qt::QueuedConnection);
    return !cancelled_.load();
  };
  watcher_.setFuture(QtConcurrent::run([id, options = std::move(options)] {
    Outcome outcome;
    try {
      const HubModel model = fetch_hub_model(id, options);
      outcome.folder = QString::fromStdString(model.folder.string());
      for (const std::string& note : model.notes) outcome.notes << QString::fromStdString(note);
    } catch (const HubCancelled& e) {
      outcome.error = QString::fromStdString(e.what());
      outcome.cancelled = true;
    } catch (const std::exception& e) {
      outcome.error = QString::fromStdString(e.what());
    }
    return outcome;
  }));
}

}  // namespace vitlens::gui
