#pragma once
#include <vector>

#include <QImage>
#include <QString>
#include <QStringList>

#include "inference/attention_analysis.hpp"
#include "panels/attention_settings.hpp"
#include "vitlens/detection/postprocess.hpp"

namespace vitlens::gui {

// What can be exported from the current image.
enum class ExportKind { View, Overlay, Heatmap, Grid, Npy, Detections };

// The file name an export of `kind` gets for an image whose outputs start with `stem`:
// STEM_view.png, STEM_<method>_<query>_L<layer>_<head>_overlay.png / _heatmap.png,
// STEM_<method>_<query>_grid.png, STEM_<method>_<query>.npy (+ .json), STEM_detections.json.
QString export_file_name(ExportKind kind, const QString& stem, const AttentionSettings& settings);
// The files an export of `kind` writes at `path` (.npy also writes its JSON sidecar).
QStringList export_outputs(ExportKind kind, const QString& path);

// Each writer goes through the engine's safe file writing: complete or absent, and an
// existing file is replaced only with `overwrite`. They throw vitlens::Error.
void export_png(const QImage& image, const QString& path, bool overwrite);
void export_overlay(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite);
void export_heatmap(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite);
void export_grid(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite);
// The .npy of every layer and head of the method for the query, and its JSON sidecar.
void export_npy(const AttentionAnalysis& analysis, const AttentionSettings& settings, const QString& path, bool overwrite);
void export_detections(const InferenceResult& result, const std::vector<Detection>& detections, double threshold,
                       const QString& path, bool overwrite);

}  // namespace vitlens::gui
