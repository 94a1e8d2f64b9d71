#include "shell/resource_locator.hpp"

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

QString samples_dir() {
  const QString root = resources_dir();
  return !root.isEmpty() && QFileInfo(root + "/samples").isDir() ? root + "/samples" : QString();
}

}  // namespace vitlens::gui
