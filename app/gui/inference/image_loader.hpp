#pragma once
#include <atomic>

#include <QImage>
#include <QObject>
#include <QString>
#include <opencv2/core.hpp>

namespace vitlens::gui {

// Decodes images with the engine off the UI thread, so the window shows a picture before
// the model has seen it. Only the newest request is answered.
class ImageLoader : public QObject {
  Q_OBJECT

 public:
  explicit ImageLoader(QObject* parent = nullptr);
  ~ImageLoader() override;

  void load(const QString& path);

 signals:
  // `rgb` is what the model runs on; `image` is the same pixels for display.
  void loaded(const QString& path, const cv::Mat& rgb, const QImage& image);
  void failed(const QString& path, const QString& message);

 private:
  std::atomic<quint64> generation_{0};
};

}  // namespace vitlens::gui
