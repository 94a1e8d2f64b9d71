#include "export/batch_export_dialog.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include "folder/folder_model.hpp"

namespace vitlens::gui {

namespace {

QWidget* folder_row(QLineEdit* edit, QWidget* parent, const QString& title) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* browse = new QToolButton;
  browse->setText(QObject::tr("Browse..."));
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, parent, [edit, parent, title] {
    const QString folder = QFileDialog::getExistingDirectory(parent, title, edit->text());
    if (!folder.isEmpty()) edit->setText(QDir::toNativeSeparators(folder));
  });
  return row;
}

}  // namespace

BatchExportDialog::BatchExportDialog(BatchJob defaults, QWidget* parent)
    : QDialog(parent),
      defaults_(std::move(defaults)),
      input_(new QLineEdit),
      output_(new QLineEdit),
      existing_(new QComboBox),
      progress_(new QProgressBar),
      current_(new QLabel),
      log_(new QPlainTextEdit),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Close)) {
  setWindowTitle(tr("Batch Export"));
  const std::pair<ExportKind, QString> kinds[] = {
      {ExportKind::Overlay, tr("Heatmap over the image (PNG)")},
      {ExportKind::Heatmap, tr("Heatmap alone (PNG)")},
      {ExportKind::Grid, tr("Layers x heads grid (PNG)")},
      {ExportKind::Npy, tr("Attention maps (.npy + JSON sidecar)")},
      {ExportKind::Detections, tr("Detections (JSON)")}};
  auto* outputs = new QVBoxLayout;
  for (const auto& [kind, text] : kinds) {
    auto* box = new QCheckBox(text);
    box->setChecked(kind == ExportKind::Overlay || (kind == ExportKind::Detections && defaults_.model->has_detector()));
    box->setEnabled(kind != ExportKind::Detections || defaults_.model->has_detector());
    kinds_[kind] = box;
    outputs->addWidget(box);
  }
  existing_->addItem(tr("Ask before replacing"), static_cast<int>(Existing::Ask));
  existing_->addItem(tr("Skip images whose files exist"), static_cast<int>(Existing::Skip));
  existing_->addItem(tr("Replace them"), static_cast<int>(Existing::Overwrite));
  log_->setReadOnly(true);
  log_->setPlaceholderText(tr("The summary appears here."));
  current_->setWordWrap(true);
  start_ = buttons_->addButton(tr("Export"), QDialogButtonBox::AcceptRole);

  auto* form = new QFormLayout;
  form->addRow(tr("Images in"), folder_row(input_, this, tr("Folder of images")));
  form->addRow(tr("Save to"), folder_row(output_, this, tr("Output folder")));
  form->addRow(tr("Files"), outputs);
  form->addRow(tr("Existing files"), existing_);
  form->addRow(tr("Settings"), new QLabel(QString("%1\n%2").arg(QString::fromStdString(defaults_.model->path), describe(defaults_.settings))));
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(progress_);
  layout->addWidget(current_);
  layout->addWidget(log_, 1);
  layout->addWidget(buttons_);
  resize(620, 520);

  connect(start_, &QPushButton::clicked, this, &BatchExportDialog::start);
  connect(buttons_, &QDialogButtonBox::rejected, this, &BatchExportDialog::reject);
  connect(&exporter_, &BatchExport::progress, this, [this](int done, int total, const QString& image) {
    progress_->setRange(0, total);
    progress_->setValue(done);
    current_->setText(image.isEmpty() ? QString() : tr("Exporting %1").arg(QDir::toNativeSeparators(image)));
  });
  connect(&exporter_, &BatchExport::finished, this, &BatchExportDialog::finished);
}

void BatchExportDialog::setInputFolder(const QString& folder) { input_->setText(QDir::toNativeSeparators(folder)); }
void BatchExportDialog::setOutputFolder(const QString& folder) { output_->setText(QDir::toNativeSeparators(folder)); }
void BatchExportDialog::setKind(ExportKind kind, bool enabled) { kinds_.at(kind)->setChecked(enabled); }
void BatchExportDialog::setExisting(Existing existing) { existing_->setCurrentIndex(existing_->findData(static_cast<int>(existing))); }

QStringList BatchExportDialog::images() const {
  const QDir dir(QDir::fromNativeSeparators(input_->text()));
  QStringList paths;
  for (const QString& name : FolderModel::naturalSorted(dir.entryList(FolderModel::imageFilters(), QDir::Files)))
    paths << dir.absoluteFilePath(name);
  return paths;
}

std::optional<bool> BatchExportDialog::askOverwrite(const BatchJob& job) {
  int existing = 0, total = 0;
  for (const QStringList& files : planned_outputs(job))
    for (const QString& f : files) {
      ++total;
      existing += QFileInfo::exists(f) ? 1 : 0;
    }
  if (existing == 0) return false;
  QMessageBox box(QMessageBox::Question, tr("Files exist"),
                  tr("%1 of the %2 files to write already exist in %3.").arg(existing).arg(total).arg(job.output_folder), QMessageBox::NoButton, this);
  QPushButton* replace = box.addButton(tr("Replace"), QMessageBox::DestructiveRole);
  QPushButton* skip = box.addButton(tr("Skip those images"), QMessageBox::AcceptRole);
  box.addButton(QMessageBox::Cancel);
  box.setDefaultButton(skip);
  box.exec();
  if (box.clickedButton() == replace) return true;
  if (box.clickedButton() == skip) return false;
  return std::nullopt;
}

bool BatchExportDialog::start() {
  if (exporter_.running()) return false;
  BatchJob job = defaults_;
  job.images = images();
  job.output_folder = QDir::fromNativeSeparators(output_->text());
  job.kinds.clear();
  for (const auto& [kind, box] : kinds_)
    if (box->isChecked() && box->isEnabled()) job.kinds.insert(kind);
  QString problem;
  if (job.images.isEmpty()) problem = tr("%1 holds no images.").arg(input_->text());
  else if (job.output_folder.isEmpty()) problem = tr("Choose a folder to save to.");
  else if (job.kinds.empty()) problem = tr("Choose at least one kind of file.");
  if (!problem.isEmpty()) {
    log_->setPlainText(problem);
    return false;
  }
  switch (static_cast<Existing>(existing_->currentData().toInt())) {
    case Existing::Ask: {
      const std::optional<bool> overwrite = askOverwrite(job);
      if (!overwrite) return false;
      job.overwrite = *overwrite;
      break;
    }
    case Existing::Skip: job.overwrite = false; break;
    case Existing::Overwrite: job.overwrite = true; break;
  }
  log_->clear();
  progress_->setRange(0, static_cast<int>(job.images.size()));
  progress_->setValue(0);
  start_->setEnabled(false);
  buttons_->button(QDialogButtonBox::Close)->setText(tr("Cancel"));
  exporter_.start(std::move(job));
  return true;
}

QString BatchExportDialog::summaryText() const {
  const BatchSummary& s = summary_;
  QString text = tr("%1 of %2 images exported, %3 files written").arg(s.done).arg(s.images).arg(s.files);
  if (s.skipped) text += tr(", %1 skipped").arg(s.skipped);
  if (s.failed) text += tr(", %1 failed").arg(s.failed);
  if (s.cancelled) text += tr(" (cancelled)");
  text += ".";
  if (!s.problems.isEmpty()) text += "\n\n" + s.problems.join("\n");
  return text;
}

void BatchExportDialog::finished(const BatchSummary& summary) {
  summary_ = summary;
  log_->setPlainText(summaryText());
  current_->clear();
  start_->setEnabled(true);
  buttons_->button(QDialogButtonBox::Close)->setText(tr("Close"));
  emit exportFinished();
}

void BatchExportDialog::reject() {
  // While running, the Cancel button stops the export after the current image.
  if (exporter_.running()) {
    exporter_.cancel();
    current_->setText(tr("Cancelling after the current image..."));
    return;
  }
  QDialog::reject();
}

}  // namespace vitlens::gui
