#pragma once
#include <memory>
#include <vector>

#include <QMainWindow>
#include <opencv2/core.hpp>

#include "export/export_files.hpp"
#include "inference/inference_result.hpp"
#include "panels/attention_settings.hpp"
#include "vitlens/detection/postprocess.hpp"

class QDockWidget;
class QLabel;
class QProgressBar;

namespace vitlens::gui {

class AttentionPanel;
class AttentionView;
class CompareWindow;
class DetectionList;
class DeviceChooser;
class ExportMenu;
class FolderModel;
class FolderPanel;
class HeadGridPanel;
class ImageCanvas;
class InputSizeControl;
class ImageLoader;
class InferenceWorker;
class LiveMode;
class ModelNotice;
class RecentMenu;
class ResultsPanel;
class HeadStatisticsPanel;
class Settings;
class ThumbnailCache;
class ThumbnailStrip;

// The application window. It owns the components and wires them together; each component
// does one job (canvas, panels, worker, loader, folder model, exports).
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(Settings* settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Files open as images, folders as a folder; the first image is shown.
  void openPaths(const QStringList& paths);
  void openImage(const QString& path);
  void openFolder(const QString& folder);
  // A model folder or file, a bundled demo, or a hub id ORG/NAME[@REV] (downloaded first).
  void openModel(const QString& path);
  // Model > Open from Hugging Face Hub...; a non-empty `id` starts its download at once.
  void openHubModel(const QString& id);
  void setDevice(const QString& id);
  void showNext();
  void showPrevious();
  void showFirst();
  void showLast();
  // Writes the current image's export of `kind` to `path` (no questions); false, with the
  // error shown, when it failed.
  bool exportCurrent(ExportKind kind, const QString& path, bool overwrite = true);
  // Once the first result is shown: grab the window into `path` and quit (status 0). When no
  // result can come (a folder without images) or none came within two minutes, the window
  // is saved as it is and the app quits with status 1 and a message on stderr.
  void setScreenshotPath(const QString& path);
  void copyViewToClipboard();
  // View > Compare Side by Side: the compare window, made on first use, with the attention
  // panel's settings on the left and a contrasting map on the right.
  void showCompare();
  CompareWindow* compareWindow() const { return compare_; }
  void pickPatch(QPointF image_pixel);
  void showError(const QString& message);
  void showStatus(const QString& message);

  // Live mode (LiveMode drives these): the source's name stands for the image path, each
  // frame replaces the picture, each result shows as a still image's would.
  void beginLive(const QString& source_name);
  void showLiveFrame(const cv::Mat& rgb, const QImage& image);
  void showLiveResult(std::shared_ptr<const InferenceResult> result);

  ImageCanvas* canvas() const { return canvas_; }
  AttentionPanel* attentionPanel() const { return attention_; }
  ResultsPanel* resultsPanel() const { return results_; }
  DetectionList* detectionList() const { return detection_list_; }
  HeadGridPanel* headGrid() const { return grid_; }
  AttentionView* attentionView() const { return attention_view_; }
  InputSizeControl* inputSizeControl() const { return input_size_; }
  FolderModel* folderModel() const { return folder_; }
  FolderPanel* folderPanel() const { return folder_panel_; }
  std::shared_ptr<const Model> model() const;
  std::shared_ptr<const InferenceResult> currentResult() const { return result_; }
  const std::vector<Detection>& detections() const { return detections_; }
  const QImage& heatmap() const;
  const QString& currentPath() const { return path_; }
  const cv::Mat& currentFrame() const { return rgb_; }
  AttentionSettings attentionSettings() const;
  LiveMode* liveMode() const { return live_; }
  const QString& lastError() const { return last_error_; }
  ModelNotice* classesNotice() const { return classes_notice_; }
  ModelNotice* detectionsNotice() const { return detections_notice_; }
  // Where an export of `kind` is offered: the last export folder, else the user's Pictures
  // folder (never the image's folder, which for the samples is inside the repository).
  QString suggestedExportPath(ExportKind kind) const;

 signals:
  void imageShown(const QString& path);
  void resultShown();
  void modelReady();
  void errorShown(const QString& message);
  void liveFrameShown();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void createDocks();
  void createMenus();
  void createToolBar();
  void createStatusBar();
  void connectComponents();
  void createLiveMode();
  DetectionOptions detectionOptions() const;
  // Attention rows a run must keep beyond the defaults: the patch the attention panel queries.
  std::vector<QueryToken> extraQueries() const;
  QMenu* budgetMenu();
  void setAttentionBudget(int mib);
  // The input size remembered for the current model (settings), shown and used for runs.
  void restoreInputOptions();
  void inputOptionsChosen();
  void restoreAttentionSettings();
  void saveAttentionSettings();
  AttentionSettings storedAttentionSettings() const;

  void imageLoaded(const QString& path, const cv::Mat& rgb, const QImage& image);
  void modelLoaded();
  void resultReady(std::shared_ptr<const InferenceResult> result);
  void runCurrent();
  void updateDetections();
  void pickDetection(int index);
  void describePointer(QPointF image_pixel);
  void updateStatus();
  void updateActions();
  void showRow(int row);  // of the folder, clamped
  QString exportFolder() const;
  // What the Classes panel says until a result comes: loading, running, or what the model is.
  QString waitingMessage() const;
  void startBatchExport();
  void saveScreenshot();
  void giveUpScreenshot(const QString& why);

  Settings* settings_;
  InferenceWorker* worker_;
  ImageLoader* loader_;
  ThumbnailCache* thumbnails_;
  FolderModel* folder_;

  ImageCanvas* canvas_;
  ThumbnailStrip* strip_;
  FolderPanel* folder_panel_ = nullptr;
  ResultsPanel* results_;
  HeadStatisticsPanel* head_statistics_;
  DetectionList* detection_list_;
  ModelNotice* classes_notice_;
  ModelNotice* detections_notice_;
  AttentionPanel* attention_;
  HeadGridPanel* grid_;
  DeviceChooser* devices_;
  InputSizeControl* input_size_;
  AttentionView* attention_view_;
  LiveMode* live_ = nullptr;
  CompareWindow* compare_ = nullptr;
  QDockWidget* results_dock_ = nullptr;
  QDockWidget* detections_dock_ = nullptr;
  QDockWidget* attention_dock_ = nullptr;
  QDockWidget* grid_dock_ = nullptr;
  QDockWidget* head_statistics_dock_ = nullptr;
  QDockWidget* strip_dock_ = nullptr;
  RecentMenu* recent_files_ = nullptr;
  RecentMenu* recent_models_ = nullptr;
  ExportMenu* export_menu_ = nullptr;
  QAction* open_ = nullptr;
  QAction* open_folder_ = nullptr;
  QAction* keep_zoom_ = nullptr;
  QAction* show_heatmap_ = nullptr;
  QAction* model_info_ = nullptr;
  bool computing_shown_ = false;  // the status bar says a run for the attention view is computing
  QAction* open_model_ = nullptr;
  QLabel* model_label_ = nullptr;
  QLabel* device_label_ = nullptr;
  QLabel* time_label_ = nullptr;
  QLabel* input_label_ = nullptr;  // input size and token count of the result shown
  QLabel* pointer_label_ = nullptr;  // position, patch and attention under the cursor
  QProgressBar* busy_ = nullptr;

  QString path_;   // the image shown (or loading)
  cv::Mat rgb_;    // its pixels once decoded
  std::shared_ptr<const InferenceResult> result_;
  std::vector<Detection> detections_;
  bool restoring_ = false;  // settings are being applied to the panel, not changed by the user
  QString screenshot_path_;
  int screenshot_waits_ = 0;
  bool screenshot_scheduled_ = false;
  QString last_error_;
  QString loading_model_;  // the model being loaded, by file name; empty when none
};

}  // namespace vitlens::gui
