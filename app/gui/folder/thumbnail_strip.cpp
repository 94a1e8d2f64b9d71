#include "folder/thumbnail_strip.hpp"

#include <QScrollBar>

#include "folder/folder_model.hpp"

namespace vitlens::gui {

ThumbnailStrip::ThumbnailStrip(FolderModel* model, QWidget* parent) : QListView(parent), model_(model) {
  setModel(model_);
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setResizeMode(QListView::Adjust);
  setUniformItemSizes(true);  // no per-row measuring: constant time for huge folders
  setIconSize({112, 84});
  setGridSize({136, 110});
  setTextElideMode(Qt::ElideMiddle);
  setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setFixedHeight(gridSize().height() + horizontalScrollBar()->sizeHint().height() + 2 * frameWidth());
  connect(this, &QListView::clicked, this,
          [this](const QModelIndex& index) { emit pathActivated(index.data(FolderModel::PathRole).toString()); });
}

void ThumbnailStrip::setCurrentPath(const QString& path) {
  const int row = model_->row(path);
  if (row < 0) {
    clearSelection();
    return;
  }
  const QModelIndex index = model_->index(row);
  setCurrentIndex(index);
  scrollTo(index, QAbstractItemView::PositionAtCenter);
}

}  // namespace vitlens::gui
