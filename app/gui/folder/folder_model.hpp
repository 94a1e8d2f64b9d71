#pragma once
#include <atomic>

#include <QAbstractListModel>
#include <QHash>
#include <QStringList>

namespace vitlens::gui {

class ThumbnailCache;

// The images of one folder (and, when recursive, of its subfolders, ordered by their path
// below it) in natural order ("img2" before "img10"), listed and sorted off
// the UI thread so folders of tens of thousands of files stay responsive. Rows show the
// file name and, once loaded, a thumbnail from the cache.
class FolderModel : public QAbstractListModel {
  Q_OBJECT

 public:
  static constexpr int PathRole = Qt::UserRole + 1;

  explicit FolderModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);
  ~FolderModel() override;

  // Starts listing `folder`; `listed` follows. A newer call supersedes an unfinished one.
  void setFolder(const QString& folder);
  const QString& folder() const { return folder_; }
  // Whether subfolders' images are listed too; changing it lists the folder again.
  void setRecursive(bool recursive);
  bool recursive() const { return recursive_; }
  // The folders directly inside the folder listed (to say why a folder shows no images).
  int subfolderCount() const;
  // Once listed with no images: why, for the user (and what to do when the images are in
  // subfolders); empty otherwise.
  QString whyEmpty() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;

  QString path(int row) const;
  int row(const QString& path) const;  // -1 when not listed

  // The file names an image viewer opens, as QDir name filters.
  static const QStringList& imageFilters();
  // `names` in natural order (case-insensitive, numbers by value). Reentrant.
  static QStringList naturalSorted(QStringList names);

 signals:
  void listed(const QString& folder);

 private:
  void thumbnailReady(const QString& path);

  ThumbnailCache* thumbnails_;
  QString folder_;
  bool recursive_ = false;
  QStringList paths_;
  QHash<QString, int> rows_;
  std::atomic<quint64> generation_{0};
};

}  // namespace vitlens::gui
