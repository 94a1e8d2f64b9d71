#include "inference/image_loader.hpp"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent>

#include "canvas/image_conversion.hpp"
#include "vitlens/image/decode.hpp"

namespace vitlens::gui {

namespace {

struct Decoded {
  cv::Mat rgb;
  QImage image;
  QString error;
};

Decoded decode(const QString& path) {
  Decoded d;
  try {
    d.rgb = load_image_rgb(path.toStdString());
    d.image = to_qimage(d.rgb);
  } catch (const std::exception& e) {
    d.error = QString::fromStdString(e.what());
  }
  return d;
}

}  // namespace

ImageLoader::ImageLoader(QObject* parent) : QObject(parent) {}

ImageLoader::~ImageLoader() {
  // The watchers are children of this object; their futures must not outlive it.
  for (auto* watcher : findChildren<QFutureWatcher<Decoded>*>()) watcher->waitForFinished();
}

void ImageLoader::load(const QString& path) {
  const quint64 generation = ++generation_;
  auto* watcher = new QFutureWatcher<Decoded>(this);
  connect(watcher, &QFutureWatcher<Decoded>::finished, this, [this, watcher, generation, path] {
    const Decoded d = watcher->result();
    watcher->deleteLater();
    if (generation != generation_) return;
    if (d.error.isEmpty())
      emit loaded(path, d.rgb, d.image);
    else
      emit failed(path, d.error);
  });
  watcher->setFuture(QtConcurrent::run(decode, path));
}

}  // namespace vitlens::gui
