#include "export/export_files.hpp"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <nlohmann/json.hpp>

#include "vitlens/analysis/npy.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::gui {

namespace {

constexpr int kExportGridCell = 160;

QString sidecar_path(const QString& npy_path) {
  const QFileInfo info(npy_path);
  return info.dir().filePath(info.completeBaseName() + ".json");
}

}  // namespace

QString export_file_name(ExportKind kind, const QString& stem, const AttentionSettings& s) {
  const QString query = QString("%1_%2_%3").arg(stem, to_string(s.method), QString::fromStdString(s.query.file_tag()));
  switch (kind) {
    case ExportKind::View: return stem + "_view.png";
    case ExportKind::Overlay: return stem + "_" + file_tag(s) + "_overlay.png";
    case ExportKind::Heatmap: return stem + "_" + file_tag(s) + "_heatmap.png";
    case ExportKind::Grid: return query + "_grid.png";
    case ExportKind::Npy: return query + ".npy";
    case ExportKind::Detections: return stem + "_detections.json";
  }
  return stem;
}

QStringList export_outputs(ExportKind kind, const QString& path) {
  if (kind == ExportKind::Npy) return {path, sidecar_path(path)};
  return {path};
}

void export_png(const QImage& image, const QString& path, bool overwrite) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  write_file_safely(path.toStdString(), bytes.toStdString(), overwrite);
}

void export_overlay(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite) {
  write_png_safely(path.toStdString(), analysis.overlay(settings), overwrite);
}

void export_heatmap(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite) {
  write_png_safely(path.toStdString(), analysis.heatmap(settings, analysis.result().rgb.size()), overwrite);
}

void export_grid(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite) {
  write_png_safely(path.toStdString(), analysis.grid(settings, kExportGridCell).image, overwrite);
}

void export_npy(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite) {
  const AttentionMaps maps = analysis.stack(settings);
  const std::string sidecar =
      attention_sidecar(maps, analysis.sidecar_context(settings, QFileInfo(path).fileName().toStdString()));
  const QString json_path = sidecar_path(path);
  // Check both before writing either, so a refused sidecar never leaves a lone .npy.
  if (!overwrite && QFileInfo::exists(json_path)) throw Error(json_path.toStdString() + ": already exists");
  write_file_safely(path.toStdString(), npy_bytes(maps.values), overwrite);
  write_file_safely(json_path.toStdString(), sidecar, overwrite);
}

void export_detections(const InferenceResult& result, const std::vector<Detection>& detections, double threshold,
                       const QString& path, bool overwrite) {
  nlohmann::json list = nlohmann::json::array();
  for (const Detection& d : detections)
    list.push_back({{"token", d.token},
                    {"label_id", d.label_id},
                    {"label", d.label},
                    {"score", d.score},
                    {"box", {d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height}}});
  // The shape of `vitlens-cli detect --json`, plus the model and the threshold.
  const nlohmann::json document = {{"image", result.image_path.toStdString()},
                                   {"width", result.rgb.cols},
                                   {"height", result.rgb.rows},
                                   {"model", result.model->path},
                                   {"threshold", threshold},
                                   {"detections", list}};
  write_file_safely(path.toStdString(), document.dump(2) + "\n", overwrite);
}

}  // namespace vitlens::gui
