#pragma once
#include <QListView>

namespace vitlens::gui {

class FolderModel;

// The folder's images as a horizontal strip of thumbnails; the current image is selected
// and scrolled into view.
class ThumbnailStrip : public QListView {
  Q_OBJECT

 public:
  ThumbnailStrip(FolderModel* model, QWidget* parent = nullptr);

  void setCurrentPath(const QString& path);

 signals:
  void pathActivated(const QString& path);

 private:
  FolderModel* model_;
};

}  // namespace vitlens::gui
