#include "folder/thumbnail_cache.hpp"

#include <QImageReader>
#include <QMetaObject>
#include <QMutexLocker>
#include <QPainter>

namespace vitlens::gui {

namespace {

// How many of the most recent requests are still worth decoding: about two screens of strip.
constexpr quint64 kWantedWindow = 96;

QImage decode_thumbnail(const QString& path, QSize size) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  const QSize full = reader.size();
  // Let the decoder scale (JPEG decodes at 1/8 size much faster than full size).
  if (full.isValid()) reader.setScaledSize(full.scaled(size, Qt::KeepAspectRatio));
  QImage image = reader.read();
  if (image.isNull()) {
    // Broken files get a grey tile, so they are not retried on every repaint.
    image = QImage(size, QImage::Format_RGB32);
    image.fill(Qt::darkGray);
    return image;
  }
  if (image.width() > size.width() || image.height() > size.height())
    image = image.scaled(size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  return image.convertToFormat(QImage::Format_RGB32);
}

}  // namespace

ThumbnailCache::ThumbnailCache(QSize size, qint64 budget_bytes, QObject* parent)
    : QObject(parent), size_(size), placeholder_(size, QImage::Format_ARGB32), cache_(budget_bytes) {
  placeholder_.fill(Qt::transparent);
  pool_.setMaxThreadCount(2);
}

ThumbnailCache::~ThumbnailCache() {
  pool_.clear();
  pool_.waitForDone();
}

QImage ThumbnailCache::thumbnail(const QString& path) {
  if (const QImage* cached = cache_.object(path)) return *cached;
  {
    const QMutexLocker lock(&mutex_);
    const bool queued = wanted_.contains(path);
    wanted_.insert(path, ++requests_);
    if (queued) return {};
  }
  pool_.start([this, path] {
    if (!claim(path)) return;
    const QImage image = decode_thumbnail(path, size_);
    QMetaObject::invokeMethod(this, [this, path, image] { store(path, image); }, Qt::QueuedConnection);
  });
  return {};
}

bool ThumbnailCache::idle() {
  const QMutexLocker lock(&mutex_);
  return wanted_.isEmpty();
}

bool ThumbnailCache::claim(const QString& path) {
  const QMutexLocker lock(&mutex_);
  const auto it = wanted_.find(path);
  if (it == wanted_.end()) return false;
  const bool recent = requests_ - it.value() < kWantedWindow;
  if (!recent) wanted_.erase(it);
  return recent;
}

void ThumbnailCache::store(const QString& path, const QImage& image) {
  {
    const QMutexLocker lock(&mutex_);
    wanted_.remove(path);
  }
  cache_.insert(path, new QImage(image), image.sizeInBytes());
  emit ready(path);
}

}  // namespace vitlens::gui
