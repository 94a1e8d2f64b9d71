#pragma once
#include <functional>
#include <map>

#include <QMenu>

#include "export/export_files.hpp"

namespace vitlens::gui {

// File > Export: one action per kind of file. Each asks where to save (the file dialog
// confirms replacing an existing file) and hands the choice to the window.
class ExportMenu : public QMenu {
  Q_OBJECT

 public:
  // `suggest` gives the default path of a kind for the current image.
  ExportMenu(std::function<QString(ExportKind)> suggest, QWidget* parent = nullptr);

  void setAvailable(ExportKind kind, bool available);
  QAction* batchAction() const { return batch_; }

 signals:
  void exportRequested(ExportKind kind, const QString& path);
  void batchRequested();

 private:
  void ask(ExportKind kind);

  std::function<QString(ExportKind)> suggest_;
  std::map<ExportKind, QAction*> actions_;
  QAction* batch_;
};

}  // namespace vitlens::gui
