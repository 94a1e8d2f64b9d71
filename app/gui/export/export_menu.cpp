#include "export/export_menu.hpp"

#include <QFileDialog>

namespace vitlens::gui {

ExportMenu::ExportMenu(std::function<QString(ExportKind)> suggest, QWidget* parent)
    : QMenu(tr("&Export"), parent), suggest_(std::move(suggest)) {
  const std::pair<ExportKind, QString> items[] = {
      {ExportKind::View, tr("Current &View as PNG...")},
      {ExportKind::Overlay, tr("Heatmap &Overlay as PNG...")},
      {ExportKind::Heatmap, tr("&Raw Heatmap as PNG...")},
      {ExportKind::Grid, tr("Layers x Heads &Grid as PNG...")},
      {ExportKind::Npy, tr("Attention as .&npy + JSON...")},
      {ExportKind::Detections, tr("&Detections as JSON...")}};
  for (const auto& [kind, text] : items) {
    QAction* action = addAction(text, this, [this, kind = kind] { ask(kind); });
    action->setEnabled(false);
    actions_[kind] = action;
  }
  actions_[ExportKind::View]->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  addSeparator();
  batch_ = addAction(tr("&Batch Export..."), this, [this] { emit batchRequested(); });
  batch_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  batch_->setEnabled(false);
}

void ExportMenu::setAvailable(ExportKind kind, bool available) { actions_.at(kind)->setEnabled(available); }

void ExportMenu::ask(ExportKind kind) {
  const bool json = kind == ExportKind::Detections;
  const bool npy = kind == ExportKind::Npy;
  const QString filter = json ? tr("JSON (*.json)") : npy ? tr("NumPy array (*.npy)") : tr("PNG image (*.png)");
  const QString path = QFileDialog::getSaveFileName(parentWidget(), actions_.at(kind)->text().remove('&').remove("..."),
                                                    suggest_(kind), filter);
  if (!path.isEmpty()) emit exportRequested(kind, path);
}

}  // namespace vitlens::gui
