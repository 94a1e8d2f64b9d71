#include "compare/compare_window.hpp"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "canvas/image_canvas.hpp"
#include "canvas/image_conversion.hpp"
#include "canvas/patch_geometry.hpp"
#include "panels/attention_panel.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::gui {

CompareWindow::CompareWindow(ComparePair* pair, QWidget* parent) : QWidget(parent, Qt::Window), pair_(pair) {
  setWindowTitle(tr("Compare - ViTLens"));
  setObjectName("compare_window");
  auto* splitter = new QSplitter(Qt::Horizontal);
  for (int side = 0; side < ComparePair::kSides; ++side) splitter->addWidget(makeSide(side));
  auto* save = new QPushButton(tr("Export Pair..."));
  save->setObjectName("export_pair");
  save->setToolTip(tr("Both maps side by side under their captions, as one PNG at the image's size"));
  connect(save, &QPushButton::clicked, this, &CompareWindow::askForPath);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(save);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter, 1);
  layout->addLayout(buttons);
  connect(pair_, &ComparePair::sideChanged, this, &CompareWindow::showSide);
  resize(1200, 820);
}

QWidget* CompareWindow::makeSide(int side) {
  Side& s = sides_.at(static_cast<size_t>(side));
  s.panel = new AttentionPanel;
  s.canvas = new ImageCanvas;
  s.caption = new QLabel;
  s.caption->setWordWrap(true);
  auto* box = new QWidget;
  box->setObjectName(side == 0 ? "compare_left" : "compare_right");
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(s.caption);
  layout->addWidget(s.canvas, 1);
  layout->addWidget(s.panel);
  // The canvas shows the finished overlay; the panel's opacity is drawn into it.
  s.canvas->setHeatmapVisible(false);
  connect(s.panel, &AttentionPanel::settingsChanged, this, [this, side] { pair_->setSettings(side, panel(side)->settings()); });
  connect(s.canvas, &ImageCanvas::imageClicked, this, [this, side](QPointF pixel) { pickPatch(side, pixel); });
  return box;
}

void CompareWindow::setModelShape(int layers, int heads, const std::vector<QueryToken>& named_queries) {
  for (const Side& s : sides_) s.panel->setModelShape(layers, heads, named_queries);
}

void CompareWindow::setSettings(const AttentionSettings& left, const AttentionSettings& right) {
  sides_[0].panel->setSettings(left);
  sides_[1].panel->setSettings(right);
}

void CompareWindow::showSide(int side) {
  const Side& s = sides_.at(static_cast<size_t>(side));
  const CompareMap* map = pair_->map(side);
  if (!map) {
    const bool computing = pair_->computing(side);
    s.caption->setText(computing ? tr("Computing...") : tr("Waiting for the window's result"));
    if (!computing) s.canvas->clear();
    return;
  }
  s.caption->setText(map->error.isEmpty() ? map->caption : tr("%1: %2").arg(map->caption, map->error));
  s.panel->setNote(map->error);
  s.panel->setShare(map->share);
  if (!map->map.empty()) s.panel->setRange(value_range(map->map));
  const InferenceResult& result = *map->result;
  s.canvas->setImage(to_qimage(map->overlay.empty() ? result.rgb : map->overlay), s.canvas->hasImage());
  const QueryToken& q = map->settings.query;
  s.canvas->setMarker(q.kind == QueryToken::Kind::Patch ? patch_rect(result, q.index, q.column) : QRectF());
}

void CompareWindow::pickPatch(int side, QPointF image_pixel) {
  if (!pair_->result()) return;
  if (const std::optional<QueryToken> patch = patch_at(*pair_->result(), image_pixel)) panel(side)->setQuery(*patch);
}

void CompareWindow::exportPair(const QString& path, bool overwrite) const {
  write_png_safely(path.toStdString(), pair_->pairImage(), overwrite);
}

void CompareWindow::askForPath() {
  const std::shared_ptr<const InferenceResult> result = pair_->result();
  const QString stem = result ? QFileInfo(result->image_path).completeBaseName() : QString("vitlens");
  const QString name = QString("%1_%2_vs_%3.png").arg(stem, file_tag(pair_->settings(0)), file_tag(pair_->settings(1)));
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Pair"), QDir(export_folder_.isEmpty() ? QDir::homePath() : export_folder_).filePath(name), tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  try {
    exportPair(path, true);  // the file dialog has already asked before replacing a file
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("ViTLens"), tr("Export failed.\n\n%1").arg(QString::fromStdString(e.what())));
  }
}

}  // namespace vitlens::gui
