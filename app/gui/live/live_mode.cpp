#include "live/live_mode.hpp"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QTimer>

#include "canvas/image_conversion.hpp"
#include "export/export_files.hpp"
#include "inference/inference_worker.hpp"
#include "live/live_controller.hpp"
#include "shell/main_window.hpp"
#include "shell/settings.hpp"
#include "vitlens/live/overlay.hpp"
#include "vitlens/live/source.hpp"

namespace vitlens::gui {

namespace {

constexpr int kStatusIntervalMs = 500;

QString size_text(cv::Size s) { return QString("%1 x %2").arg(s.width).arg(s.height); }

}  // namespace

LiveMode::LiveMode(MainWindow* window, InferenceWorker* worker, Settings* settings)
    : QObject(window), window_(window), worker_(worker), settings_(settings), controller_(new LiveController(this)) {
  status_ = new QLabel;
  status_->setObjectName("live_status");
  status_->hide();
  timer_ = new QTimer(this);
  timer_->setInterval(kStatusIntervalMs);
  connect(timer_, &QTimer::timeout, this, &LiveMode::updateStatus);
  createMenu();

  connect(controller_, &LiveController::frameArrived, window_, &MainWindow::showLiveFrame);
  connect(controller_, &LiveController::resultArrived, this,
          [this](std::shared_ptr<const InferenceResult> result, std::chrono::steady_clock::time_point captured) {
            window_->showLiveResult(std::move(result));
            controller_->resultShown(captured);
          });
  // A failing frame would fail the next ones too: one dialog per run, the count in the status.
  connect(controller_, &LiveController::errorOccurred, this, [this](const QString& message) {
    if (errors_++ == 0) window_->showError(tr("Live inference failed.\n\n%1").arg(message));
  });
  connect(controller_, &LiveController::ended, this, &LiveMode::sourceEnded);
  connect(controller_, &LiveController::opened, this, &LiveMode::opened);
  connect(controller_, &LiveController::openFailed, this, [this](const QString& message) {
    window_->showError(tr("Could not open the live source.\n\n%1").arg(message));
  });
  // Another model or device applies to the next frame; the source stays open.
  connect(worker_, &InferenceWorker::modelReady, this, [this] {
    if (running()) controller_->setSession(worker_->session());
  });
  updateActions();
}

LiveMode::~LiveMode() { controller_->stop(); }

void LiveMode::createMenu() {
  menu_ = new QMenu(tr("&Live"), window_);
  menu_->addAction(tr("Open &Camera..."), QKeySequence(Qt::CTRL | Qt::Key_L), this, &LiveMode::openCamera);
  menu_->addAction(tr("Open &Video File..."), this, &LiveMode::openFile);
  menu_->addAction(tr("Open &Stream URL..."), this, &LiveMode::openStream);
  menu_->addSeparator();
  pause_ = menu_->addAction(tr("&Pause"), QKeySequence(Qt::Key_Space));
  pause_->setCheckable(true);
  connect(pause_, &QAction::toggled, controller_, &LiveController::setPaused);
  snapshot_ = menu_->addAction(tr("S&napshot..."), QKeySequence(Qt::CTRL | Qt::Key_T), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(window_, tr("Save Snapshot To"), settings_->value(key::kExportFolder).toString());
    if (folder.isEmpty()) return;
    const QStringList files = snapshot(folder);
    if (!files.isEmpty()) window_->showStatus(tr("Snapshot: %1 files in %2").arg(files.size()).arg(QDir::toNativeSeparators(folder)));
  });
  record_ = menu_->addAction(tr("&Record Video..."), QKeySequence(Qt::CTRL | Qt::Key_R));
  record_->setCheckable(true);
  connect(record_, &QAction::toggled, this, &LiveMode::recordToggled);
  stop_ = menu_->addAction(tr("S&top Live"), QKeySequence(Qt::Key_Escape), this, &LiveMode::stop);
}

void LiveMode::start(const QString& source, QSize resolution) {
  if (!worker_->hasModel()) {
    window_->showError(tr("Open a model first (Model > Demo Models or Model > Open Model Folder)."));
    return;
  }
  stop();
  window_->showStatus(tr("Opening %1...").arg(source));
  controller_->open(source, resolution, worker_->session());
}

void LiveMode::opened() {
  errors_ = 0;
  window_->beginLive(controller_->sourceName());
  window_->showStatus(tr("Live: %1").arg(controller_->sourceName()));
  pause_->setChecked(false);
  status_->show();
  timer_->start();
  updateActions();
  emit started();
}

void LiveMode::stop() {
  if (!running()) {
    controller_->stop();  // drops a source still opening
    return;
  }
  record_->setChecked(false);
  controller_->stop();
  timer_->stop();
  status_->hide();
  updateActions();
  emit stopped();
}

bool LiveMode::running() const { return controller_->running(); }

void LiveMode::openCamera() {
  const std::vector<CameraInfo> cameras = list_cameras();
  if (cameras.empty()) {
    window_->showError(tr("No camera was found (no V4L2 capture device under /dev/video*)."));
    return;
  }
  QStringList names;
  for (const CameraInfo& c : cameras) names << QString("%1: %2 (%3)").arg(c.index).arg(QString::fromStdString(c.name), QString::fromStdString(c.device));
  bool ok = false;
  const QString picked = QInputDialog::getItem(window_, tr("Open Camera"), tr("Camera:"), names, 0, false, &ok);
  if (!ok) return;
  const CameraInfo& camera = cameras[static_cast<size_t>(names.indexOf(picked))];
  QSize resolution;
  if (camera.sizes.size() > 1) {
    QStringList sizes{tr("Camera default")};
    for (const cv::Size& s : camera.sizes) sizes << size_text(s);
    const QString size = QInputDialog::getItem(window_, tr("Open Camera"), tr("Resolution:"), sizes, 0, false, &ok);
    if (!ok) return;
    const int index = static_cast<int>(sizes.indexOf(size)) - 1;
    if (index >= 0) resolution = QSize(camera.sizes[index].width, camera.sizes[index].height);
  }
  start(QString::number(camera.index), resolution);
}

void LiveMode::openFile() {
  const QString file = QFileDialog::getOpenFileName(window_, tr("Open Video File"), settings_->value(key::kLastFolder).toString(),
                                                    tr("Videos (*.mp4 *.avi *.mkv *.mov *.webm *.mpg *.m4v);;All files (*)"));
  if (!file.isEmpty()) start(file);
}

void LiveMode::openStream() {
  bool ok = false;
  const QString url = QInputDialog::getText(window_, tr("Open Stream"), tr("Stream URL (rtsp://, http://):"), QLineEdit::Normal,
                                            settings_->value(key::kLiveSource).toString(), &ok);
  if (!ok || url.trimmed().isEmpty()) return;
  settings_->setValue(key::kLiveSource, url.trimmed());
  start(url.trimmed());
}

void LiveMode::recordToggled(bool on) {
  if (!on) {
    controller_->stopRecording();
    return;
  }
  const QString path = QFileDialog::getSaveFileName(window_, tr("Record Video"), settings_->value(key::kExportFolder).toString(),
                                                    tr("MPEG-4 video (*.mp4);;AVI video (*.avi)"));
  // The dialog asked before replacing an existing file.
  if (path.isEmpty() || !controller_->startRecording(path, true)) {
    const QSignalBlocker blocker(record_);
    record_->setChecked(false);
  }
}

QStringList LiveMode::snapshot(const QString& folder) {
  const QString stem = "snapshot-" + QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss-zzz");
  const cv::Mat frame = window_->currentFrame();
  if (frame.empty()) return {};
  QStringList written;
  const QString frame_path = QDir(folder).filePath(stem + "_frame.png");
  try {
    export_png(to_qimage(frame), frame_path, false);
    written << frame_path;
  } catch (const std::exception& e) {
    window_->showError(QString::fromStdString(e.what()));
    return written;
  }
  std::vector<ExportKind> kinds{ExportKind::View};
  const auto result = window_->currentResult();
  if (result && !result->output.attention.empty()) kinds.insert(kinds.end(), {ExportKind::Overlay, ExportKind::Npy});
  if (result && result->model->has_detector()) kinds.push_back(ExportKind::Detections);
  for (ExportKind kind : kinds) {
    const QString path = QDir(folder).filePath(export_file_name(kind, stem, window_->attentionSettings()));
    if (window_->exportCurrent(kind, path, false)) written << export_outputs(kind, path);
  }
  return written;
}

void LiveMode::sourceEnded(const QString& failure) {
  stop();
  if (failure.isEmpty())
    window_->showStatus(tr("The video ended."));
  else
    window_->showError(tr("The live source stopped.\n\n%1\n\nOpen it again from the Live menu.").arg(failure));
}

void LiveMode::updateStatus() {
  QString text = QString::fromStdString(describe(controller_->stats()));
  if (controller_->paused()) text = tr("Paused | ") + text;
  if (controller_->recording()) text = tr("Recording | ") + text;
  if (errors_) text += tr(" | %1 failed").arg(errors_);
  status_->setText(text);
}

void LiveMode::updateActions() {
  for (QAction* a : {pause_, snapshot_, record_, stop_}) a->setEnabled(running());
}

}  // namespace vitlens::gui
