#pragma once
#include <QCache>
#include <QHash>
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QSize>
#include <QString>
#include <QThreadPool>

namespace vitlens::gui {

// Thumbnails decoded off the UI thread and kept in a cache bounded in bytes, so scrolling
// through a huge folder neither blocks nor grows memory without limit. Only the most
// recently requested paths are decoded: thumbnails scrolled past before their turn are
// skipped.
class ThumbnailCache : public QObject {
  Q_OBJECT

 public:
  explicit ThumbnailCache(QSize size = {128, 96}, qint64 budget_bytes = 48ll << 20, QObject* parent = nullptr);
  ~ThumbnailCache() override;

  // The cached thumbnail, or a null image while it is being made (ready follows).
  QImage thumbnail(const QString& path);
  QSize size() const { return size_; }
  // A blank tile of the thumbnail size, shown while a thumbnail is being made.
  const QImage& placeholder() const { return placeholder_; }
  qint64 cachedBytes() const { return cache_.totalCost(); }
  // No thumbnail is waiting to be made.
  bool idle();

 signals:
  void ready(const QString& path);

 private:
  bool claim(const QString& path);  // on a decoding thread: is the path still worth decoding?
  void store(const QString& path, const QImage& image);

  QSize size_;
  QImage placeholder_;
  QCache<QString, QImage> cache_;
  QThreadPool pool_;
  QMutex mutex_;                    // guards wanted_ and requests_, read by the decoding threads
  QHash<QString, quint64> wanted_;  // path -> request number; only the newest ones are decoded
  quint64 requests_ = 0;
};

}  // namespace vitlens::gui
