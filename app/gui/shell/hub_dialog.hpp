#pragma once
#include <QDialog>
#include <QElapsedTimer>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace vitlens::gui {

class HubDownload;
class Settings;

// Model > Open from Hugging Face Hub...: a model id field (with the recent ids), then the
// download's progress (file, size, speed) with a Cancel button. Accepted once the model is
// in the hub cache; folder() is then its snapshot, which the window opens like any folder.
class HubDialog : public QDialog {
  Q_OBJECT

 public:
  HubDialog(Settings* settings, QWidget* parent = nullptr);

  // Fills in `id` and starts at once (a hub id given as --model).
  void startWith(const QString& id);
  QString folder() const { return folder_; }
  QStringList notes() const { return notes_; }
  // Cancel while downloading (the dialog stays open until the download has stopped), close
  // otherwise.
  void reject() override;

 private:
  void start();
  void showProgress(const QString& file, qint64 file_done, qint64 file_total, qint64 done, qint64 total);
  void succeed(const QString& folder, const QStringList& notes);
  void fail(const QString& message, bool cancelled);
  void setBusy(bool busy);

  Settings* settings_;
  HubDownload* download_;
  QComboBox* id_;
  QLabel* file_;
  QProgressBar* bar_;
  QLabel* status_;
  QPushButton* open_;
  QPushButton* cancel_;
  QElapsedTimer clock_;
  QString current_file_;
  qint64 file_start_ = 0;
  QString folder_;
  QStringList notes_;
};

}  // namespace vitlens::gui
