#include "shell/model_info.hpp"

#include <QLocale>
#include <QStringList>

#include "vitlens/model/config.hpp"

namespace vitlens::gui {

namespace {

QString row(const QString& name, const QString& value) {
  return QString("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>").arg(name, value.toHtmlEscaped());
}

QString preprocessing(const PreprocessConfig& p) {
  QStringList steps;
  if (p.do_resize) {
    steps << (p.resize_mode == PreprocessConfig::ResizeMode::Exact
                  ? QString("resize to %1 x %2").arg(p.width).arg(p.height)
                  : QString("resize shortest edge to %1").arg(p.shortest_edge)) +
                 QString(" (%1)").arg(to_string(p.resample));
  }
  if (p.do_center_crop) steps << QString("center crop %1 x %2").arg(p.crop_width).arg(p.crop_height);
  if (p.do_rescale) steps << QString("rescale x %1").arg(p.rescale_factor, 0, 'g', 6);
  if (p.do_normalize)
    steps << QString("normalise mean (%1, %2, %3) std (%4, %5, %6)")
                 .arg(p.mean[0], 0, 'g', 4).arg(p.mean[1], 0, 'g', 4).arg(p.mean[2], 0, 'g', 4)
                 .arg(p.std[0], 0, 'g', 4).arg(p.std[1], 0, 'g', 4).arg(p.std[2], 0, 'g', 4);
  return steps.join(", then ");
}

QString labels_text(const std::vector<std::string>& labels) {
  constexpr size_t kShown = 30;
  QStringList shown;
  for (size_t i = 0; i < labels.size() && i < kShown; ++i) shown << QString::fromStdString(labels[i]);
  QString text = shown.join(", ");
  if (labels.size() > kShown) text += QString(", ... (%1 more)").arg(labels.size() - kShown);
  return text;
}

}  // namespace

QString model_info_html(const Model& m) {
  const VitConfig& c = m.config;
  const QString kind = m.has_detector() ? "object detector" : m.has_classifier() ? "image classifier" : "encoder (features only)";
  QString html = "<table>";
  html += row("Path", QString::fromStdString(m.path));
  html += row("Architecture", QString::fromStdString(c.architecture) + " (" + QString::fromStdString(c.format) + ", " + kind + ")");
  html += row("Parameters", QLocale().toString(static_cast<qlonglong>(m.parameter_count())));
  html += row("Layers x heads", QString("%1 x %2 (head size %3)").arg(c.num_layers).arg(c.num_heads).arg(c.head_dim()));
  html += row("Hidden / MLP size", QString("%1 / %2 (%3)").arg(c.hidden_size).arg(c.mlp_size).arg(to_string(c.activation)));
  html += row("Patch size", QString("%1 px").arg(c.patch_size));
  html += row("Training input", QString("%1 x %2 (%3 x %4 patches)").arg(c.image_width).arg(c.image_height).arg(c.grid_width()).arg(c.grid_height()));
  QString tokens = QString("%1 prefix (CLS%2)").arg(c.num_prefix_tokens).arg(c.num_prefix_tokens > 1 ? ", distillation" : "");
  if (c.num_detection_tokens) tokens += QString(", %1 detection").arg(c.num_detection_tokens);
  html += row("Extra tokens", tokens);
  html += row("Pooling", to_string(c.pooling));
  html += row("Classes", QString::number(m.labels.size()));
  if (!m.labels.empty()) html += row("Labels", labels_text(m.labels));
  html += row("Pre-processing", preprocessing(m.preprocess));
  return html + "</table>";
}

}  // namespace vitlens::gui
