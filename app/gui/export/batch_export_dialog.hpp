#pragma once
#include <map>
#include <memory>

#include <QDialog>

#include "export/batch_export.hpp"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;

namespace vitlens::gui {

// File > Batch Export: every image of a folder with the current model and attention
// settings, with progress, cancel and a summary. Existing files are replaced only when the
// user says so (asked before anything is written, or chosen up front).
class BatchExportDialog : public QDialog {
  Q_OBJECT

 public:
  enum class Existing { Ask, Skip, Overwrite };

  BatchExportDialog(BatchJob defaults, QWidget* parent = nullptr);

  void setInputFolder(const QString& folder);
  void setOutputFolder(const QString& folder);
  void setKind(ExportKind kind, bool enabled);
  void setExisting(Existing existing);
  // Starts the export; false (with the reason shown) when there is nothing to do.
  bool start();
  bool running() const { return exporter_.running(); }
  const BatchSummary& summary() const { return summary_; }
  QString summaryText() const;

 signals:
  void exportFinished();

 protected:
  void reject() override;

 private:
  QStringList images() const;
  std::optional<bool> askOverwrite(const BatchJob& job);
  void finished(const BatchSummary& summary);

  BatchJob defaults_;
  QLineEdit* input_;
  QLineEdit* output_;
  std::map<ExportKind, QCheckBox*> kinds_;
  QComboBox* existing_;
  QProgressBar* progress_;
  QLabel* current_;
  QPlainTextEdit* log_;
  QDialogButtonBox* buttons_;
  QPushButton* start_;
  BatchExport exporter_;
  BatchSummary summary_;
};

}  // namespace vitlens::gui
