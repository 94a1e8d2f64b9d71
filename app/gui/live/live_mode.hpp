#pragma once
#include <QObject>
#include <QSize>
#include <QStringList>

class QAction;
class QLabel;
class QMenu;
class QTimer;

namespace vitlens::gui {

class InferenceWorker;
class LiveController;
class MainWindow;
class Settings;

// The window's Live menu and what it drives: open a camera, video file or stream, pause,
// snapshot, record, stop; a status-bar readout of capture and inference rates, inference
// time, capture-to-display latency and dropped frames. Frames and results go to the
// window's canvas and panels, so detections, classes and attention show as for a still image.
class LiveMode : public QObject {
  Q_OBJECT

 public:
  LiveMode(MainWindow* window, InferenceWorker* worker, Settings* settings);
  ~LiveMode() override;

  QMenu* menu() const { return menu_; }
  QLabel* statusLabel() const { return status_; }
  LiveController* controller() const { return controller_; }

  // Opens `source` ("0", a file, a URL) with the current model, without blocking the
  // window: started() follows, or the error is shown (as it is when no model is open).
  void start(const QString& source, QSize resolution = {});
  void stop();
  bool running() const;
  // Saves the current frame, the view, the attention overlay, the .npy (+ JSON) and, for a
  // detector, the detections into `folder`, named snapshot-<time>_*; the files written.
  QStringList snapshot(const QString& folder);

 signals:
  void started();
  void stopped();

 private:
  void createMenu();
  void openCamera();
  void openFile();
  void openStream();
  void opened();
  void recordToggled(bool on);
  void sourceEnded(const QString& failure);
  void updateStatus();
  void updateActions();

  MainWindow* window_;
  InferenceWorker* worker_;
  Settings* settings_;
  LiveController* controller_;
  QMenu* menu_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* timer_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* snapshot_ = nullptr;
  QAction* record_ = nullptr;
  QAction* stop_ = nullptr;
  int errors_ = 0;  // frames that failed in this run
};

}  // namespace vitlens::gui
