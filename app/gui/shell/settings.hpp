#pragma once
#include <memory>

#include <QObject>
#include <QSettings>
#include <QString>
#include <QVariant>

namespace vitlens::gui {

// The persistent settings: one registry of keys with their defaults (settings.cpp), read and
// written here only, and one signal when a value changes.
class Settings : public QObject {
  Q_OBJECT

 public:
  // The user's settings (QSettings' native place for ViTLens/vitlens).
  explicit Settings(QObject* parent = nullptr);
  // Settings kept in an INI file, for tests and portable use.
  explicit Settings(const QString& ini_path, QObject* parent = nullptr);

  // The stored value, or the key's default. Unknown keys are a programming error (asserted).
  QVariant value(const QString& key) const;
  void setValue(const QString& key, const QVariant& value);
  void sync() { store_->sync(); }

 signals:
  void changed(const QString& key);

 private:
  std::unique_ptr<QSettings> store_;
};

// The registry's keys.
namespace key {
inline const QString kWindowGeometry = "window/geometry";
inline const QString kWindowState = "window/state";
inline const QString kLastModel = "model/last";
inline const QString kRecentModels = "model/recent";
inline const QString kRecentHubModels = "model/recent_hub";  // hub ids, most recent first
inline const QString kDevice = "model/device";
inline const QString kInputSizes = "model/input_sizes";  // model path -> "HxW" or "native"
inline const QString kMaxTokens = "model/max_tokens";
inline const QString kRecentFiles = "files/recent";
inline const QString kLastFolder = "files/last_folder";
inline const QString kRecursiveFolders = "files/recursive";
inline const QString kExportFolder = "files/export_folder";
inline const QString kKeepZoom = "view/keep_zoom";
inline const QString kLayer = "attention/layer";
inline const QString kHead = "attention/head";
inline const QString kFusion = "attention/fusion";
inline const QString kMethod = "attention/method";
inline const QString kMass = "attention/mass";
inline const QString kDiscard = "attention/discard";
inline const QString kForeground = "attention/pca_foreground";  // 0: PCA of every patch
inline const QString kBlend = "attention/blend";
inline const QString kAttentionBudget = "attention/memory_budget_mib";  // what a run may keep
inline const QString kColormap = "attention/colormap";
inline const QString kOpacity = "attention/opacity";
inline const QString kShowHeatmap = "attention/visible";
inline const QString kScoreThreshold = "detection/threshold";
inline const QString kMergeOverlaps = "detection/nms";
inline const QString kLiveSource = "live/last_source";  // the last stream URL or video file
}  // namespace key

}  // namespace vitlens::gui
