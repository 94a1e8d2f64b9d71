#include "folder/folder_panel.hpp"

#include <QCheckBox>
#include <QLabel>
#include <QVBoxLayout>

#include "folder/folder_model.hpp"
#include "folder/thumbnail_strip.hpp"

namespace vitlens::gui {

FolderPanel::FolderPanel(FolderModel* model, ThumbnailStrip* strip, QWidget* parent)
    : QWidget(parent), model_(model), strip_(strip), recursive_(new QCheckBox(tr("Include Subfolders"))), message_(new QLabel) {
  recursive_->setToolTip(tr("Show the images of every subfolder too, by path"));
  message_->setWordWrap(true);
  message_->hide();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  layout->setSpacing(2);
  layout->addWidget(recursive_);
  layout->addWidget(message_);
  layout->addWidget(strip_);
  connect(recursive_, &QCheckBox::toggled, model_, &FolderModel::setRecursive);
  connect(model_, &FolderModel::listed, this, &FolderPanel::listed);
}

QString FolderPanel::message() const { return message_->isHidden() ? QString() : message_->text(); }

void FolderPanel::listed() {
  const QString why = model_->whyEmpty();
  message_->setText(why);
  message_->setVisible(!why.isEmpty());
  strip_->setVisible(why.isEmpty());
}

}  // namespace vitlens::gui
