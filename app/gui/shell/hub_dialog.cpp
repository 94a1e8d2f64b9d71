#include "shell/hub_dialog.hpp"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "shell/hub_download.hpp"
#include "shell/settings.hpp"
#include "vitlens/hub/model_id.hpp"

namespace vitlens::gui {

namespace {

constexpr int kRecentIds = 10;

QString mebibytes(qint64 bytes) { return QString::number(static_cast<double>(bytes) / (1 << 20), 'f', 1); }

}  // namespace

HubDialog::HubDialog(Settings* settings, QWidget* parent)
    : QDialog(parent), settings_(settings), download_(new HubDownload(this)), id_(new QComboBox), file_(new QLabel), bar_(new QProgressBar),
      status_(new QLabel) {
  setWindowTitle(tr("Open from Hugging Face Hub"));
  id_->setEditable(true);
  id_->addItems(settings_->value(key::kRecentHubModels).toStringList());
  id_->setCurrentText(id_->count() ? id_->itemText(0) : QString());
  id_->lineEdit()->setPlaceholderText("google/vit-base-patch16-224");
  id_->setMinimumWidth(360);
  auto* hint = new QLabel(tr("ORG/NAME or ORG/NAME@REVISION (a branch, tag or commit). Only the files ViTLens reads\n"
                             "are downloaded, into the Hugging Face cache that Python tools share."));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bar_->setRange(0, 1000);
  bar_->setVisible(false);

  auto* buttons = new QDialogButtonBox;
  open_ = buttons->addButton(tr("Download and Open"), QDialogButtonBox::AcceptRole);
  cancel_ = buttons->addButton(QDialogButtonBox::Cancel);
  connect(open_, &QPushButton::clicked, this, &HubDialog::start);
  connect(cancel_, &QPushButton::clicked, this, &HubDialog::reject);
  connect(download_, &HubDownload::progress, this, &HubDialog::showProgress);
  connect(download_, &HubDownload::finished, this, &HubDialog::succeed);
  connect(download_, &HubDownload::failed, this, &HubDialog::fail);

  auto* form = new QFormLayout;
  form->addRow(tr("Model &id:"), id_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(hint);
  layout->addWidget(file_);
  layout->addWidget(bar_);
  layout->addWidget(status_);
  layout->addWidget(buttons);
}

void HubDialog::startWith(const QString& id) {
  id_->setCurrentText(id);
  start();
}

void HubDialog::start() {
  const QString text = id_->currentText().trimmed();
  const std::optional<HubModelId> id = parse_hub_model_id(text.toStdString());
  if (!id) {
    status_->setText(tr("'%1' is not a model id: expected ORG/NAME or ORG/NAME@REVISION.").arg(text));
    return;
  }
  QStringList recent = settings_->value(key::kRecentHubModels).toStringList();
  recent.removeAll(text);
  recent.prepend(text);
  settings_->setValue(key::kRecentHubModels, recent.mid(0, kRecentIds));
  setBusy(true);
  current_file_.clear();
  file_->setText(tr("Asking the hub about %1...").arg(text));
  status_->clear();
  bar_->setValue(0);
  download_->start(*id, HubOptions::from_environment());
}

void HubDialog::showProgress(const QString& file, qint64 file_done, qint64 file_total, qint64 done, qint64 total) {
  if (file != current_file_) {
    current_file_ = file;
    file_start_ = file_done;
    clock_.start();
  }
  const double seconds = static_cast<double>(clock_.elapsed()) / 1000.0;
  const qint64 speed = seconds > 0.2 ? static_cast<qint64>(static_cast<double>(file_done - file_start_) / seconds) : 0;
  file_->setText(tr("Downloading %1").arg(file));
  bar_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
  status_->setText(tr("%1 / %2 MiB   %3 MiB/s").arg(mebibytes(file_done), mebibytes(file_total), mebibytes(speed)));
}

void HubDialog::succeed(const QString& folder, const QStringList& notes) {
  folder_ = folder;
  notes_ = notes;
  setBusy(false);
  accept();
}

void HubDialog::fail(const QString& message, bool cancelled) {
  setBusy(false);
  file_->setText(cancelled ? tr("Cancelled; the next download resumes where this one stopped.") : tr("The download failed:"));
  status_->setText(message);
  adjustSize();  // room for the wrapped message
}

void HubDialog::setBusy(bool busy) {
  id_->setEnabled(!busy);
  open_->setEnabled(!busy);
  bar_->setVisible(busy);
  cancel_->setText(busy ? tr("Cancel Download") : tr("Close"));
}

void HubDialog::reject() {
  if (download_->running()) {
    download_->cancel();  // ends in fail(..., true); the dialog stays until it has
    return;
  }
  QDialog::reject();
}

}  // namespace vitlens::gui
