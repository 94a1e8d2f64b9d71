#include "shell/resource_locator.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "vitlens/util/resources.hpp"

namespace vitlens::gui {

QString resources_dir() {
  const auto dir = vitlens::resources_dir();
  return dir ? QString::fromStdString(dir->string()) : QString();
}

QStringList demo_models() {
  QStringList models;
  for (const auto& model : vitlens::demo_models()) models << QString::fromStdString(model.string());
  return models;
}

QString demo_notice(const QString& model_path) {
  const QFileInfo model(model_path);
  QFile notice(QDir(model.isDir() ? model.absoluteFilePath() : model.absolutePath()).filePath("DEMO_NOTICE.txt"));
  if (!notice.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(notice.readAll()).trimmed();
}

QString docs_dir() {
  const auto dir = vitlens::docs_dir();
  return dir ? QString::fromStdString(dir->string()) : QString();
}

QString samples_dir() {
  const QString root = resources_dir();
  return !root.isEmpty() && QFileInfo(root + "/samples").isDir() ? root + "/samples" : QString();
}

}  // namespace vitlens::gui
