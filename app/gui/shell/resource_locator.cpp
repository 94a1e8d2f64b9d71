#include "shell/resource_locator.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace vitlens::gui {

QString resources_dir() {
  const QDir exe(QCoreApplication::applicationDirPath());
  const QStringList candidates = {exe.absoluteFilePath("../share/vitlens/resources"), QStringLiteral(VITLENS_RESOURCES_DIR)};
  for (const QString& c : candidates)
    if (QFileInfo(c).isDir()) return QDir(c).absolutePath();
  return {};
}

QStringList demo_models() {
  const QString root = resources_dir();
  if (root.isEmpty()) return {};
  QStringList models;
  const QDir dir(root + "/models");
  for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const QDir model(dir.absoluteFilePath(name));
    if (model.exists("config.json") || !model.entryList({"*.safetensors"}, QDir::Files).isEmpty())
      models << model.absolutePath();
  }
  return models;
}

QString demo_notice(const QString& model_path) {
  const QFileInfo model(model_path);
  QFile notice(QDir(model.isDir() ? model.absoluteFilePath() : model.absolutePath()).filePath("DEMO_NOTICE.txt"));
  if (!notice.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(notice.readAll()).trimmed();
}

QString docs_dir() {
  const QDir exe(QCoreApplication::applicationDirPath());
  const QStringList candidates = {exe.absoluteFilePath("../share/doc/vitlens"), QStringLiteral(VITLENS_DOCS_DIR)};
  for (const QString& c : candidates)
    if (QFileInfo(c).isDir()) return QDir(c).absolutePath();
  return {};
}

QString samples_dir() {
  const QString root = resources_dir();
  return !root.isEmpty() && QFileInfo(root + "/samples").isDir() ? root + "/samples" : QString();
}

}  // namespace vitlens::gui
