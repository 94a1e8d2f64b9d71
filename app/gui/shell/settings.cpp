#include "shell/settings.hpp"

#include <QHash>
#include <QStringList>
#include <QVariantMap>

#include "vitlens/image/input_size.hpp"

namespace vitlens::gui {

namespace {

const QHash<QString, QVariant>& defaults() {
  static const QHash<QString, QVariant> registry = {
      {key::kWindowGeometry, QByteArray()},
      {key::kWindowState, QByteArray()},
      {key::kLastModel, QString()},
      {key::kRecentModels, QStringList()},
      {key::kRecentHubModels, QStringList()},
      {key::kDevice, QStringLiteral("auto")},
      {key::kInputSizes, QVariantMap()},
      {key::kMaxTokens, kDefaultMaxTokens},
      {key::kRecentFiles, QStringList()},
      {key::kLastFolder, QString()},
      {key::kRecursiveFolders, false},
      {key::kExportFolder, QString()},
      {key::kKeepZoom, false},
      {key::kLayer, -1},  // the last layer
      {key::kHead, -1},   // the fusion of every head
      {key::kFusion, QStringLiteral("mean")},
      {key::kMethod, QStringLiteral("raw")},
      {key::kMass, 0.6},
      {key::kDiscard, 0.0},
      {key::kForeground, 0.0},
      {key::kBlend, QStringLiteral("ramp")},
      {key::kAttentionBudget, 1024},
      {key::kColormap, QStringLiteral("viridis")},
      {key::kOpacity, 0.55},
      {key::kShowHeatmap, true},
      {key::kScoreThreshold, 0.5},
      {key::kMergeOverlaps, false},
      {key::kLiveSource, QString("0")},
  };
  return registry;
}

}  // namespace

Settings::Settings(QObject* parent)
    : QObject(parent), store_(std::make_unique<QSettings>(QStringLiteral("ViTLens"), QStringLiteral("vitlens"))) {}

Settings::Settings(const QString& ini_path, QObject* parent)
    : QObject(parent), store_(std::make_unique<QSettings>(ini_path, QSettings::IniFormat)) {}

QVariant Settings::value(const QString& key) const {
  Q_ASSERT_X(defaults().contains(key), "Settings::value", qPrintable(key));
  const QVariant fallback = defaults().value(key);
  QVariant stored = store_->value(key, fallback);
  // INI files store every scalar as text; hand back the default's type.
  if (stored.metaType() != fallback.metaType() && stored.canConvert(fallback.metaType())) stored.convert(fallback.metaType());
  return stored;
}

void Settings::setValue(const QString& key, const QVariant& value) {
  Q_ASSERT_X(defaults().contains(key), "Settings::setValue", qPrintable(key));
  if (store_->value(key) == value) return;
  store_->setValue(key, value);
  emit changed(key);
}

}  // namespace vitlens::gui
