#pragma once
#include <QWidget>

class QCheckBox;
class QLabel;

namespace vitlens::gui {

class FolderModel;
class ThumbnailStrip;

// The Folder dock: the thumbnail strip, an Include Subfolders checkbox, and a line saying
// why a folder shows no images instead of an empty strip.
class FolderPanel : public QWidget {
  Q_OBJECT

 public:
  FolderPanel(FolderModel* model, ThumbnailStrip* strip, QWidget* parent = nullptr);

  QCheckBox* recursiveBox() const { return recursive_; }
  QString message() const;

 private:
  void listed();

  FolderModel* model_;
  ThumbnailStrip* strip_;
  QCheckBox* recursive_;
  QLabel* message_;
};

}  // namespace vitlens::gui
