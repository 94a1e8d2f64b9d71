#include "shell/main_window.hpp"

#include <algorithm>
#include <utility>
#include <map>

#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDesktopServices>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

#include "canvas/image_canvas.hpp"
#include "canvas/image_conversion.hpp"
#include "canvas/patch_geometry.hpp"
#include "compare/compare_window.hpp"
#include "export/batch_export_dialog.hpp"
#include "export/export_menu.hpp"
#include "folder/folder_model.hpp"
#include "folder/folder_panel.hpp"
#include "folder/thumbnail_cache.hpp"
#include "folder/thumbnail_strip.hpp"
#include "inference/image_loader.hpp"
#include "inference/inference_worker.hpp"
#include "live/live_controller.hpp"
#include "live/live_mode.hpp"
#include "panels/attention_panel.hpp"
#include "panels/attention_view.hpp"
#include "panels/detection_list.hpp"
#include "panels/head_grid_panel.hpp"
#include "panels/head_grid_window.hpp"
#include "panels/model_notice.hpp"
#include "panels/head_statistics_panel.hpp"
#include "panels/results_panel.hpp"
#include "shell/device_chooser.hpp"
#include "shell/help_texts.hpp"
#include "shell/input_size_control.hpp"
#include "shell/model_info.hpp"
#include "shell/hub_dialog.hpp"
#include "shell/recent_menu.hpp"
#include "shell/resource_locator.hpp"
#include "shell/settings.hpp"
#include "vitlens/hub/model_id.hpp"
#include "vitlens/model/description.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::gui {

namespace {

// Boxes of one class overlapping more than this count as one object when merging.
constexpr float kMergeIou = 0.5f;

bool looks_like_model(const QString& path) {
  const QFileInfo info(path);
  return info.suffix() == "safetensors" || (info.isDir() && QDir(path).exists("config.json"));
}

// A panel with a notice above it.
QWidget* with_notice(ModelNotice* notice, QWidget* panel) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(notice);
  layout->addWidget(panel, 1);
  return box;
}

QDockWidget* dock(const QString& title, const QString& name, QWidget* content, QMainWindow* window) {
  auto* d = new QDockWidget(title, window);
  d->setObjectName(name);
  d->setWidget(content);
  return d;
}

}  // namespace

MainWindow::MainWindow(Settings* settings, QWidget* parent)
    : QMainWindow(parent),
      settings_(settings),
      worker_(new InferenceWorker(this)),
      loader_(new ImageLoader(this)),
      thumbnails_(new ThumbnailCache({112, 84}, 48ll << 20, this)),
      folder_(new FolderModel(thumbnails_, this)),
      canvas_(new ImageCanvas),
      strip_(new ThumbnailStrip(folder_)),
      results_(new ResultsPanel),
      head_statistics_(new HeadStatisticsPanel),
      detection_list_(new DetectionList),
      classes_notice_(new ModelNotice),
      detections_notice_(new ModelNotice),
      attention_(new AttentionPanel),
      grid_(new HeadGridPanel),
      devices_(new DeviceChooser),
      input_size_(new InputSizeControl),
      attention_view_(new AttentionView(attention_, canvas_, grid_, this)) {
  setWindowTitle("ViTLens");
  setAcceptDrops(true);
  setCentralWidget(canvas_);
  createDocks();
  createMenus();
  createToolBar();
  createStatusBar();
  connectComponents();
  createLiveMode();
  restoreAttentionSettings();
  devices_->setCurrentId(settings_->value(key::kDevice).toString());
  detection_list_->setThreshold(settings_->value(key::kScoreThreshold).toDouble());
  detection_list_->setMergeOverlaps(settings_->value(key::kMergeOverlaps).toBool());
  resize(1400, 900);
  restoreGeometry(settings_->value(key::kWindowGeometry).toByteArray());
  restoreState(settings_->value(key::kWindowState).toByteArray());
  updateActions();
  updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks() {
  results_dock_ = dock(tr("Classes"), "classes", with_notice(classes_notice_, results_), this);
  detections_dock_ = dock(tr("Detections"), "detections", with_notice(detections_notice_, detection_list_), this);
  attention_dock_ = dock(tr("Attention"), "attention", attention_, this);
  grid_dock_ = dock(tr("Layers x Heads"), "head_grid", head_grid_dock_content(grid_), this);
  head_statistics_dock_ = dock(tr("Head Statistics"), "head_statistics", head_statistics_, this);
  folder_panel_ = new FolderPanel(folder_, strip_);
  strip_dock_ = dock(tr("Folder"), "thumbnails", folder_panel_, this);
  addDockWidget(Qt::RightDockWidgetArea, results_dock_);
  addDockWidget(Qt::RightDockWidgetArea, detections_dock_);
  addDockWidget(Qt::RightDockWidgetArea, attention_dock_);
  addDockWidget(Qt::LeftDockWidgetArea, grid_dock_);
  addDockWidget(Qt::LeftDockWidgetArea, head_statistics_dock_);
  tabifyDockWidget(grid_dock_, head_statistics_dock_);
  grid_dock_->raise();
  addDockWidget(Qt::BottomDockWidgetArea, strip_dock_);
  // The side panels run the full height; the thumbnail strip sits under the canvas only.
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  resizeDocks({grid_dock_}, {440}, Qt::Horizontal);
  resizeDocks({attention_dock_}, {320}, Qt::Horizontal);
  detections_dock_->hide();
  strip_dock_->hide();
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  open_ = file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open Image..."), QKeySequence::Open, this, [this] {
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open Image"), settings_->value(key::kLastFolder).toString(),
        tr("Images (%1);;All files (*)").arg(FolderModel::imageFilters().join(' ')));
    openPaths(paths);
  });
  open_folder_ = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open &Folder..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Folder"), settings_->value(key::kLastFolder).toString());
    if (!folder.isEmpty()) openFolder(folder);
  });
  recent_files_ = new RecentMenu(tr("Open &Recent"), settings_, key::kRecentFiles, this);
  file->addMenu(recent_files_);
  file->addSeparator();
  export_menu_ = new ExportMenu([this](ExportKind kind) { return suggestedExportPath(kind); }, this);
  file->addMenu(export_menu_);
  file->addAction(tr("&Copy View"), QKeySequence::Copy, this, &MainWindow::copyViewToClipboard);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Next Image"), QKeySequence(Qt::Key_Right), this, &MainWindow::showNext);
  view->addAction(tr("&Previous Image"), QKeySequence(Qt::Key_Left), this, &MainWindow::showPrevious);
  view->addAction(tr("F&irst Image"), QKeySequence(Qt::Key_Home), this, &MainWindow::showFirst);
  view->addAction(tr("&Last Image"), QKeySequence(Qt::Key_End), this, &MainWindow::showLast);
  view->addSeparator();
  view->addAction(tr("Zoom &In"), canvas_, &ImageCanvas::zoomIn)->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
  view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, canvas_, &ImageCanvas::zoomOut);
  view->addAction(tr("&Fit to Window"), QKeySequence(Qt::CTRL | Qt::Key_0), canvas_, &ImageCanvas::fitToWindow);
  view->addAction(tr("&Actual Pixels (1:1)"), QKeySequence(Qt::CTRL | Qt::Key_1), canvas_, &ImageCanvas::actualSize);
  keep_zoom_ = view->addAction(tr("&Keep Zoom Between Images"));
  keep_zoom_->setCheckable(true);
  keep_zoom_->setChecked(settings_->value(key::kKeepZoom).toBool());
  connect(keep_zoom_, &QAction::toggled, this, [this](bool on) { settings_->setValue(key::kKeepZoom, on); });
  show_heatmap_ = view->addAction(tr("Show &Heatmap"), QKeySequence(Qt::Key_H));
  show_heatmap_->setCheckable(true);
  view->addAction(tr("&Compare Side by Side..."), QKeySequence(Qt::CTRL | Qt::Key_K), this, &MainWindow::showCompare);
  view->addSeparator();
  for (QDockWidget* d : {results_dock_, detections_dock_, attention_dock_, grid_dock_, head_statistics_dock_, strip_dock_})
    view->addAction(d->toggleViewAction());
  view->addSeparator();
  view->addAction(tr("F&ull Screen"), this, [this] { isFullScreen() ? showNormal() : showFullScreen(); })
      ->setShortcuts({QKeySequence(Qt::Key_F11), QKeySequence::FullScreen});

  QMenu* model = menuBar()->addMenu(tr("&Model"));
  open_model_ = model->addAction(tr("&Open Model Folder..."), QKeySequence(Qt::CTRL | Qt::Key_M), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Model Folder"), settings_->value(key::kLastModel).toString());
    if (!folder.isEmpty()) openModel(folder);
  });
  model->addAction(tr("Open Model &File..."), this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open Model File"), settings_->value(key::kLastModel).toString(),
                                                      tr("Model files (*.safetensors *.bin *.pth *.pt);;safetensors (*.safetensors);;PyTorch (*.bin *.pth *.pt)"));
    if (!file.isEmpty()) openModel(file);
  });
  model->addAction(tr("Open from Hugging Face &Hub..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), this, [this] { openHubModel({}); });
  recent_models_ = new RecentMenu(tr("&Recent Models"), settings_, key::kRecentModels, this);
  model->addMenu(recent_models_);
  QMenu* demos = model->addMenu(tr("&Demo Models"));
  for (const QString& path : demo_models())
    demos->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); });
  if (demos->isEmpty()) demos->addAction(tr("(none installed)"))->setEnabled(false);
  model->addSeparator();
  model_info_ = model->addAction(tr("&Info..."), QKeySequence(Qt::CTRL | Qt::Key_I), this, [this] {
    QMessageBox box(QMessageBox::NoIcon, tr("Model Info"), model_info_html(*worker_->model()), QMessageBox::Ok, this);
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
  });
  model->addMenu(budgetMenu());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Documentation"), QKeySequence::HelpContents, this, [this] {
    const QString docs = docs_dir();
    if (docs.isEmpty() || !QDesktopServices::openUrl(QUrl::fromLocalFile(docs)))
      showError(tr("The documentation folder could not be opened%1.").arg(docs.isEmpty() ? QString() : " (" + docs + ")"));
  });
  help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
    QMessageBox box(QMessageBox::NoIcon, tr("Keyboard Shortcuts"), shortcuts_html(menuBar()), QMessageBox::Ok, this);
    box.exec();
  });
  help->addAction(tr("&About ViTLens"), this, [this] {
    QMessageBox::about(this, tr("About ViTLens"),
                       about_html(worker_->hasModel() ? QString::fromStdString(worker_->device().name + " [" + worker_->device().id() + "]") : QString()));
  });
}

void MainWindow::createToolBar() {
  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName("main_toolbar");
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  const auto standard = [this](QStyle::StandardPixmap p) { return style()->standardIcon(p); };
  bar->addAction(open_);
  bar->addAction(open_folder_);
  bar->addSeparator();
  bar->addAction(standard(QStyle::SP_ArrowBack), tr("Previous"), this, &MainWindow::showPrevious);
  bar->addAction(standard(QStyle::SP_ArrowForward), tr("Next"), this, &MainWindow::showNext);
  bar->addSeparator();
  bar->addAction(tr("Fit"), canvas_, &ImageCanvas::fitToWindow);
  bar->addAction(tr("1:1"), canvas_, &ImageCanvas::actualSize);
  bar->addAction(show_heatmap_);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Device ")));
  bar->addWidget(devices_);
  bar->addSeparator();
  bar->addWidget(input_size_);
}

void MainWindow::createStatusBar() {
  busy_ = new QProgressBar;
  busy_->setRange(0, 0);
  busy_->setMaximumWidth(90);
  busy_->setMaximumHeight(14);
  busy_->setTextVisible(false);
  busy_->hide();
  model_label_ = new QLabel;
  device_label_ = new QLabel;
  time_label_ = new QLabel;
  input_label_ = new QLabel;
  input_label_->setObjectName("input_size");
  pointer_label_ = new QLabel;
  pointer_label_->setObjectName("pointer");
  statusBar()->addPermanentWidget(pointer_label_);
  statusBar()->addPermanentWidget(busy_);
  statusBar()->addPermanentWidget(model_label_);
  statusBar()->addPermanentWidget(device_label_);
  statusBar()->addPermanentWidget(input_label_);
  statusBar()->addPermanentWidget(time_label_);
}

void MainWindow::connectComponents() {
  connect(loader_, &ImageLoader::loaded, this, &MainWindow::imageLoaded);
  connect(loader_, &ImageLoader::failed, this, [this](const QString&, const QString& message) {
    canvas_->clear();
    results_->setMessage(tr("The image could not be opened."));
    showError(message);
  });
  connect(worker_, &InferenceWorker::modelReady, this, &MainWindow::modelLoaded);
  connect(worker_, &InferenceWorker::modelFailed, this, [this](const QString& message) {
    loading_model_.clear();
    updateStatus();
    if (!worker_->hasModel()) results_->setMessage(tr("The model could not be opened."));
    showError(tr("Could not open the model.\n\n%1").arg(message));
  });
  for (ModelNotice* notice : {classes_notice_, detections_notice_})
    connect(notice, &ModelNotice::openModelRequested, open_model_, &QAction::trigger);
  connect(worker_, &InferenceWorker::resultReady, this, &MainWindow::resultReady);
  connect(worker_, &InferenceWorker::runFailed, this, [this](const QString&, const QString& message) {
    if (std::exchange(computing_shown_, false)) statusBar()->clearMessage();
    results_->setMessage(tr("The model could not run on this image."));
    showError(message);
  });
  connect(worker_, &InferenceWorker::busyChanged, busy_, &QWidget::setVisible);
  connect(folder_, &FolderModel::listed, this, [this] {
    strip_->setCurrentPath(path_);
    if (path_.isEmpty() && folder_->rowCount() > 0) openImage(folder_->path(0));
    if (const QString why = folder_->whyEmpty(); !why.isEmpty()) {
      showStatus(why);
      if (path_.isEmpty()) giveUpScreenshot(why);
    }
  });
  folder_panel_->recursiveBox()->setChecked(settings_->value(key::kRecursiveFolders).toBool());
  connect(folder_panel_->recursiveBox(), &QCheckBox::toggled, this,
          [this](bool on) { settings_->setValue(key::kRecursiveFolders, on); });
  connect(strip_, &ThumbnailStrip::pathActivated, this, &MainWindow::openImage);
  connect(devices_, &DeviceChooser::deviceChosen, this, &MainWindow::setDevice);
  connect(input_size_, &InputSizeControl::optionsChanged, this, &MainWindow::inputOptionsChosen);
  connect(attention_, &AttentionPanel::settingsChanged, this, &MainWindow::saveAttentionSettings);
  connect(attention_view_, &AttentionView::runNeeded, this, [this](const AttentionSettings& s) {
    statusBar()->showMessage(needs_gradients(s.method)
                                 ? tr("Computing the %1 of %2 (a backward pass on the CPU)...")
                                       .arg(QString::fromLatin1(to_string(s.method)), QString::fromStdString(s.query.name()))
                                 : tr("Computing the %1 of %2 for this large input...")
                                       .arg(s.method == AttentionMethod::Rollout ? tr("rollout") : tr("attention"),
                                            QString::fromStdString(s.query.name())));
    computing_shown_ = true;
    worker_->run(path_, rgb_, extraQueries(), rollout_of(s), explanation_of(s));
  });
  connect(show_heatmap_, &QAction::toggled, this, [this](bool on) {
    AttentionSettings s = attention_->settings();
    s.visible = on;
    attention_->setSettings(s);
  });
  connect(canvas_, &ImageCanvas::imageClicked, this, &MainWindow::pickPatch);
  connect(attention_, &AttentionPanel::settingsChanged, this, [this] {
    const AttentionSettings s = attention_->settings();
    head_statistics_->setHighlight(s.layer, s.head);
  });
  connect(head_statistics_, &HeadStatisticsPanel::headClicked, this, [this](int layer, int head) {
    AttentionSettings s = attention_->settings();
    s.layer = layer;
    s.head = head;
    if (s.method != AttentionMethod::Raw && s.method != AttentionMethod::Mask) s.method = AttentionMethod::Raw;
    attention_->setSettings(s);
  });
  connect(results_, &ResultsPanel::classClicked, this, [this](int class_index) {
    AttentionSettings s = attention_->settings();
    s.target_class = class_index;
    if (!needs_gradients(s.method)) s.method = AttentionMethod::Relevance;
    attention_->setSettings(s);
  });
  connect(canvas_, &ImageCanvas::pointerMoved, this, &MainWindow::describePointer);
  connect(canvas_, &ImageCanvas::boxClicked, this, &MainWindow::pickDetection);
  connect(canvas_, &ImageCanvas::boxHovered, detection_list_, &DetectionList::setHighlighted);
  connect(detection_list_, &DetectionList::detectionHovered, canvas_, &ImageCanvas::setHighlightedBox);
  connect(detection_list_, &DetectionList::detectionPicked, this, &MainWindow::pickDetection);
  connect(detection_list_, &DetectionList::thresholdChanged, this, [this](double t) {
    settings_->setValue(key::kScoreThreshold, t);
    updateDetections();
  });
  connect(detection_list_, &DetectionList::mergeOverlapsChanged, this, [this](bool merge) {
    settings_->setValue(key::kMergeOverlaps, merge);
    updateDetections();
  });
  connect(grid_dock_, &QDockWidget::visibilityChanged, attention_view_, &AttentionView::setGridShown);
  connect(export_menu_, &ExportMenu::exportRequested, this, [this](ExportKind kind, const QString& path) {
    // The file dialog has already asked before replacing a file.
    if (exportCurrent(kind, path, true)) statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
  });
  connect(export_menu_, &ExportMenu::batchRequested, this, &MainWindow::startBatchExport);
}

void MainWindow::restoreAttentionSettings() {
  const AttentionSettings s = storedAttentionSettings();
  restoring_ = true;
  show_heatmap_->setChecked(s.visible);
  attention_->setSettings(s);
  restoring_ = false;
}

AttentionSettings MainWindow::storedAttentionSettings() const {
  AttentionSettings s;
  s.layer = settings_->value(key::kLayer).toInt();
  s.head = settings_->value(key::kHead).toInt();
  s.fusion = parse_head_fusion(settings_->value(key::kFusion).toString().toStdString());
  s.method = parse_attention_method(settings_->value(key::kMethod).toString());
  s.mass = settings_->value(key::kMass).toDouble();
  s.discard = settings_->value(key::kDiscard).toDouble();
  s.foreground = settings_->value(key::kForeground).toDouble();
  // A hand-edited or older settings file keeps the defaults for what it spells wrong.
  try {
    s.colormap = parse_colormap(settings_->value(key::kColormap).toString().toStdString());
  } catch (const Error&) {
  }
  try {
    s.blend = parse_blend(settings_->value(key::kBlend).toString().toStdString());
  } catch (const Error&) {
  }
  s.opacity = settings_->value(key::kOpacity).toDouble();
  s.visible = settings_->value(key::kShowHeatmap).toBool();
  return s;
}

void MainWindow::saveAttentionSettings() {
  if (restoring_) return;
  const AttentionSettings s = attention_->settings();
  // The last layer is stored as -1, so it stays the last layer for a model of another depth.
  const std::shared_ptr<const Model> model = worker_->model();
  settings_->setValue(key::kLayer, model && s.layer == model->config.num_layers - 1 ? -1 : s.layer);
  settings_->setValue(key::kHead, s.head);
  settings_->setValue(key::kFusion, QString::fromLatin1(to_string(s.fusion)));
  settings_->setValue(key::kMethod, QString::fromLatin1(to_string(s.method)));
  settings_->setValue(key::kMass, s.mass);
  settings_->setValue(key::kDiscard, s.discard);
  settings_->setValue(key::kForeground, s.foreground);
  settings_->setValue(key::kBlend, QString::fromLatin1(to_string(s.blend)));
  settings_->setValue(key::kColormap, QString::fromLatin1(to_string(s.colormap)));
  settings_->setValue(key::kOpacity, s.opacity);
  settings_->setValue(key::kShowHeatmap, s.visible);
  const QSignalBlocker block(show_heatmap_);
  show_heatmap_->setChecked(s.visible);
}

void MainWindow::openPaths(const QStringList& paths) {
  bool shown = false;
  for (const QString& p : paths) {
    const QFileInfo info(p);
    if (looks_like_model(p)) {
      openModel(p);
    } else if (!shown && info.isDir()) {
      openFolder(p);
      shown = true;
    } else if (!shown) {
      openImage(p);
      shown = true;
    }
  }
}

void MainWindow::openImage(const QString& path) {
  live_->stop();
  path_ = QFileInfo(path).absoluteFilePath();
  rgb_ = cv::Mat();
  const QString folder = QFileInfo(path_).absolutePath();
  settings_->setValue(key::kLastFolder, folder);
  recent_files_->add(path_);
  // Stepping with the arrow keys walks the folder of the image opened (or the folder listing
  // it with its subfolders).
  if (folder_->folder() != folder && folder_->row(path_) < 0) folder_->setFolder(folder);
  strip_->setCurrentPath(path_);
  statusBar()->showMessage(tr("Opening %1...").arg(QFileInfo(path_).fileName()));
  loader_->load(path_);
}

void MainWindow::openFolder(const QString& folder) {
  live_->stop();
  settings_->setValue(key::kLastFolder, folder);
  path_.clear();
  strip_dock_->show();
  folder_->setFolder(folder);
}

void MainWindow::openModel(const QString& path) {
  if (!QFileInfo::exists(path) && parse_hub_model_id(path.toStdString())) {
    openHubModel(path);
    return;
  }
  loading_model_ = QFileInfo(path).fileName();
  statusBar()->showMessage(tr("Loading model %1...").arg(QDir::toNativeSeparators(path)));
  results_->setMessage(tr("Loading model %1...").arg(loading_model_));
  updateStatus();
  worker_->loadModel(path, devices_->currentId().isEmpty() ? settings_->value(key::kDevice).toString() : devices_->currentId());
}

void MainWindow::openHubModel(const QString& id) {
  HubDialog dialog(settings_, this);
  if (!id.isEmpty()) QMetaObject::invokeMethod(&dialog, [&dialog, id] { dialog.startWith(id); }, Qt::QueuedConnection);
  if (dialog.exec() != QDialog::Accepted) return;
  openModel(dialog.folder());
  if (!dialog.notes().isEmpty()) statusBar()->showMessage(dialog.notes().join("  "));
}

void MainWindow::setDevice(const QString& id) {
  settings_->setValue(key::kDevice, id);
  devices_->setCurrentId(id);
  if (worker_->hasModel()) {
    statusBar()->showMessage(tr("Opening the model on %1...").arg(devices_->currentText()));
    worker_->setDevice(id);
  }
}

void MainWindow::imageLoaded(const QString& path, const cv::Mat& rgb, const QImage& image) {
  if (path != path_) return;
  rgb_ = rgb;
  result_.reset();
  attention_view_->setResult(nullptr);
  head_statistics_->setResult(nullptr);
  if (compare_) compare_->pair()->setResult(nullptr);
  detections_.clear();
  canvas_->setImage(image, keep_zoom_->isChecked());
  detection_list_->setDetections({});
  results_->setMessage(waitingMessage());
  const QueryToken query = attention_->settings().query;
  // A detection token means a box of the previous image; a patch is kept (same place).
  if (query.kind == QueryToken::Kind::Det) attention_->setQuery({});
  setWindowTitle(QString("%1 - ViTLens").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(QString("%1  %2 x %3").arg(QDir::toNativeSeparators(path)).arg(rgb.cols).arg(rgb.rows));
  emit imageShown(path);
  runCurrent();
}

void MainWindow::modelLoaded() {
  const std::shared_ptr<const Model> model = worker_->model();
  const QString path = QString::fromStdString(model->path);
  settings_->setValue(key::kLastModel, path);
  recent_models_->add(path);
  devices_->setCurrentId(QString::fromStdString(worker_->device().id()));
  const VitConfig& c = model->config;
  restoring_ = true;
  // The panel keeps a query token this model has too; the rest comes from the settings,
  // fitted to this model: layer -1 (or past its depth) is the last layer, a head it
  // lacks becomes the fusion.
  attention_->setModelShape(c.num_layers, c.num_heads, named_queries(c));
  AttentionSettings s = storedAttentionSettings();
  s.query = attention_->settings().query;
  if (s.layer < 0 || s.layer >= c.num_layers) s.layer = c.num_layers - 1;
  if (s.head >= c.num_heads) s.head = -1;
  attention_->setSettings(s);
  if (compare_) {
    compare_->pair()->setResult(nullptr);  // the previous model's run fits no control of this one
    compare_->setModelShape(c.num_layers, c.num_heads, named_queries(c));
  }
  restoring_ = false;
  restoreInputOptions();
  results_dock_->setVisible(!model->has_detector());
  detections_dock_->setVisible(model->has_detector());
  const QString notice = demo_notice(path);
  classes_notice_->setNotice(notice);
  detections_notice_->setNotice(notice);
  loading_model_.clear();
  results_->setMessage(waitingMessage());
  statusBar()->showMessage(tr("Model %1 ready").arg(QFileInfo(path).fileName()), 4000);
  updateStatus();
  updateActions();
  emit modelReady();
  runCurrent();
}

QString MainWindow::waitingMessage() const {
  if (!loading_model_.isEmpty()) return tr("Loading model %1...").arg(loading_model_);
  const std::shared_ptr<const Model> model = worker_->model();
  if (!model) return rgb_.empty() ? tr("No result yet") : tr("Open a model (Model menu) to classify this image.");
  if (!model->has_classifier() && !model->has_detector())
    return tr("%1 is an %2: it has no classifier, so there are no classes to show. What it attends to is in the "
              "Attention panel and the Layers x Heads grid.")
        .arg(QString::fromStdString(model->config.architecture), QString::fromStdString(model_kind(*model)));
  if (rgb_.empty()) return tr("Open an image to classify it.");
  return tr("Running the model on %1...").arg(QFileInfo(path_).fileName());
}

void MainWindow::restoreInputOptions() {
  const Model& model = *worker_->model();
  InputOptions options;
  options.max_tokens = settings_->value(key::kMaxTokens).toInt();
  const QString stored = settings_->value(key::kInputSizes).toMap().value(QString::fromStdString(model.path)).toString();
  try {
    if (!stored.isEmpty()) options.size = parse_input_size(stored.toStdString());
    check_input_options(options, model);
  } catch (const Error&) {
    options.size = InputSize::model_default();  // a size this model cannot take (or another limit) is forgotten
  }
  const cv::Size own = fixed_input_size(model, {}).value_or(cv::Size(model.config.image_width, model.config.image_height));
  input_size_->setOptions(options, model.config.patch_size, own);
  worker_->setInputOptions(options);
}

void MainWindow::inputOptionsChosen() {
  const InputOptions options = input_size_->options();
  worker_->setInputOptions(options);
  settings_->setValue(key::kMaxTokens, options.max_tokens);
  if (const std::shared_ptr<const Model> model = worker_->model()) {
    QVariantMap sizes = settings_->value(key::kInputSizes).toMap();
    sizes.insert(QString::fromStdString(model->path), QString::fromStdString(options.size.to_string()));
    settings_->setValue(key::kInputSizes, sizes);
  }
  runCurrent();
}

void MainWindow::runCurrent() {
  if (rgb_.empty() || !worker_->hasModel()) return;
  worker_->run(path_, rgb_, extraQueries(), rollout_of(attention_->settings()), explanation_of(attention_->settings()));
}

std::vector<QueryToken> MainWindow::extraQueries() const {
  // CLS, distillation and detection rows are always kept; a patch's row only on request.
  const QueryToken query = attention_->settings().query;
  return query.kind == QueryToken::Kind::Patch ? std::vector<QueryToken>{query} : std::vector<QueryToken>{};
}

void MainWindow::resultReady(std::shared_ptr<const InferenceResult> result) {
  if (result->image_path != path_) return;
  result_ = std::move(result);
  if (std::exchange(computing_shown_, false)) statusBar()->clearMessage();
  const Model& model = *result_->model;
  if (model.has_classifier()) results_->setPredictions(result_->predictions);
  if (model.has_detector()) updateDetections();
  attention_view_->setResult(result_);
  head_statistics_->setResult(result_);
  // Still images only: two maps per live frame (a backward pass for relevance) would hold
  // the device up.
  if (compare_ && compare_->isVisible() && !live_->running()) compare_->pair()->setResult(result_);
  updateStatus();
  updateActions();
  emit resultShown();
  if (!screenshot_path_.isEmpty() && !screenshot_scheduled_) {
    // Live, let the rates and latency settle into the status bar first.
    constexpr int kLiveScreenshotDelayMs = 3000;
    screenshot_scheduled_ = true;
    QTimer::singleShot(live_->running() ? kLiveScreenshotDelayMs : 0, this, &MainWindow::saveScreenshot);
  }
}

void MainWindow::updateDetections() {
  if (!result_ || !result_->model->has_detector()) return;
  try {
    detections_ = detect_objects(result_->output, result_->model->labels, result_->rgb.size(), detectionOptions());
  } catch (const std::exception& e) {
    detections_.clear();
    showError(QString::fromStdString(e.what()));
  }
  // Best first, in the list and on the canvas alike (their indices are shared).
  std::stable_sort(detections_.begin(), detections_.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  detection_list_->setDetections(detections_);
  std::vector<CanvasBox> boxes;
  std::map<int, int> seen;  // boxes of each class so far
  for (const Detection& d : detections_)
    boxes.push_back({QRectF(d.box.x, d.box.y, d.box.width, d.box.height),
                     QString("%1 %2").arg(QString::fromStdString(d.label)).arg(d.score, 0, 'f', 2), class_qcolor(d.label_id),
                     class_outline(seen[d.label_id]++)});
  canvas_->setBoxes(std::move(boxes));
  updateActions();
}

void MainWindow::pickDetection(int index) {
  if (index < 0 || index >= static_cast<int>(detections_.size())) return;
  canvas_->setHighlightedBox(index);
  detection_list_->setHighlighted(index);
  attention_->setQuery({QueryToken::Kind::Det, detections_[static_cast<size_t>(index)].token, 0});
}

void MainWindow::describePointer(QPointF image_pixel) {
  if (rgb_.empty() || image_pixel.x() < 0 || image_pixel.y() < 0 || image_pixel.x() >= rgb_.cols || image_pixel.y() >= rgb_.rows) {
    pointer_label_->clear();
    return;
  }
  QString text = QString("x %1, y %2").arg(int(image_pixel.x())).arg(int(image_pixel.y()));
  if (result_) {
    if (const std::optional<QueryToken> patch = patch_at(*result_, image_pixel)) {
      text += QString("  patch %1, %2").arg(patch->index).arg(patch->column);
      const cv::Mat& map = attention_view_->map();
      const AttentionMethod method = attention_->settings().method;
      const QString name = method == AttentionMethod::Pca          ? tr("component 1")
                           : method == AttentionMethod::Similarity ? tr("similarity")
                                                                   : tr("attention");
      if (!map.empty()) text += QString("  %1 %2").arg(name).arg(map.at<float>(patch->index, patch->column), 0, 'g', 3);
    }
  }
  pointer_label_->setText(text);
}

void MainWindow::pickPatch(QPointF image_pixel) {
  if (!result_) return;
  const std::optional<QueryToken> patch = patch_at(*result_, image_pixel);
  if (!patch) return;
  AttentionSettings s = attention_->settings();
  s.query = *patch;
  // The Features view: a click on the PCA colours shows that patch's similarity map.
  if (s.method == AttentionMethod::Pca) s.method = AttentionMethod::Similarity;
  attention_->setSettings(s);
}

bool MainWindow::exportCurrent(ExportKind kind, const QString& path, bool overwrite) {
  try {
    if (kind == ExportKind::View) {
      export_png(canvas_->grab().toImage(), path, overwrite);
      return true;
    }
    const AttentionAnalysis* analysis = attention_view_->analysis();
    if (!analysis) throw Error("there is no result to export yet");
    const AttentionSettings s = attention_->settings();
    switch (kind) {
      case ExportKind::Overlay: export_overlay(*analysis, s, path, overwrite); break;
      case ExportKind::Heatmap: export_heatmap(*analysis, s, path, overwrite); break;
      case ExportKind::Grid: export_grid(*analysis, s, path, overwrite); break;
      case ExportKind::Npy: export_npy(*analysis, s, path, overwrite); break;
      case ExportKind::Detections: export_detections(*result_, detections_, detection_list_->threshold(), path, overwrite); break;
      case ExportKind::View: break;
    }
    settings_->setValue(key::kExportFolder, QFileInfo(path).absolutePath());
    return true;
  } catch (const std::exception& e) {
    showError(tr("Export failed.\n\n%1").arg(QString::fromStdString(e.what())));
    return false;
  }
}

QString MainWindow::exportFolder() const {
  // Never the image's own folder: for the samples that is inside the repository.
  const QString last = settings_->value(key::kExportFolder).toString();
  if (!last.isEmpty()) return last;
  const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  return !pictures.isEmpty() && QFileInfo(pictures).isDir() ? pictures : QDir::homePath();
}

QString MainWindow::suggestedExportPath(ExportKind kind) const {
  const QString folder = exportFolder();
  const QString stem = QFileInfo(path_).completeBaseName();
  return QDir(folder).filePath(export_file_name(kind, stem.isEmpty() ? "vitlens" : stem, attention_->settings()));
}

void MainWindow::startBatchExport() {
  if (!worker_->hasModel()) return;
  BatchJob defaults;
  defaults.settings = attention_->settings();
  defaults.score_threshold = detection_list_->threshold();
  defaults.nms_iou = detection_list_->mergeOverlaps() ? kMergeIou : 0.0f;
  defaults.model = worker_->model();
  defaults.input = worker_->inputOptions();
  defaults.budget_bytes = worker_->attentionBudget();
  defaults.device = QString::fromStdString(worker_->device().id());
  auto* dialog = new BatchExportDialog(defaults, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setInputFolder(folder_->folder().isEmpty() ? settings_->value(key::kLastFolder).toString() : folder_->folder());
  dialog->setOutputFolder(exportFolder());
  dialog->open();
}

namespace {

// What the compare view first sets against the panel's map: the relevance of the top class
// when the model has one to explain, else the same map at the other end of the layers.
AttentionSettings contrasting(const AttentionSettings& s, const Model& model) {
  AttentionSettings other = s;
  if (model.has_classifier() && !needs_gradients(s.method)) {
    other.method = AttentionMethod::Relevance;
    other.target_class = -1;
  } else {
    other.layer = s.layer == 0 ? model.config.num_layers - 1 : 0;
  }
  return other;
}

}  // namespace

void MainWindow::showCompare() {
  const bool made = compare_ == nullptr;
  if (made) compare_ = new CompareWindow(new ComparePair(worker_, this), this);
  const std::shared_ptr<const Model> model = worker_->model();
  if (made && model) {
    const VitConfig& c = model->config;
    compare_->setModelShape(c.num_layers, c.num_heads, named_queries(c));
    const AttentionSettings s = attention_->settings();
    compare_->setSettings(s, contrasting(s, *model));
  }
  compare_->setExportFolder(exportFolder());
  compare_->show();
  compare_->raise();
  compare_->pair()->setResult(result_);
}

void MainWindow::copyViewToClipboard() {
  QApplication::clipboard()->setImage(canvas_->grab().toImage());
  statusBar()->showMessage(tr("View copied to the clipboard"), 3000);
}

void MainWindow::createLiveMode() {
  live_ = new LiveMode(this, worker_, settings_);
  menuBar()->insertMenu(menuBar()->actions().constLast(), live_->menu());
  statusBar()->insertPermanentWidget(0, live_->statusLabel());
  // What live inference keeps and draws follows the panels, from the next frame on.
  const auto follow = [this] {
    live_->controller()->setQueries(extraQueries());
    live_->controller()->setDetectionOptions(detectionOptions());
    live_->controller()->setInputOptions(input_size_->options());
    live_->controller()->setAttentionBudget(worker_->attentionBudget());
  };
  connect(live_, &LiveMode::started, this, follow);
  connect(attention_, &AttentionPanel::settingsChanged, this, follow);
  connect(detection_list_, &DetectionList::thresholdChanged, this, follow);
  connect(detection_list_, &DetectionList::mergeOverlapsChanged, this, follow);
  connect(input_size_, &InputSizeControl::optionsChanged, this, follow);
}

void MainWindow::beginLive(const QString& source_name) {
  path_ = source_name;
  rgb_ = cv::Mat();
  result_.reset();
  attention_view_->setResult(nullptr);
  head_statistics_->setResult(nullptr);
  detections_.clear();
  detection_list_->setDetections({});
  if (attention_->settings().query.kind == QueryToken::Kind::Det) attention_->setQuery({});
  setWindowTitle(QString("%1 - Live - ViTLens").arg(source_name));
}

void MainWindow::showLiveFrame(const cv::Mat& rgb, const QImage& image) {
  if (!live_->running()) return;
  rgb_ = rgb;
  canvas_->setFrame(image);
  emit liveFrameShown();
}

void MainWindow::showLiveResult(std::shared_ptr<const InferenceResult> result) {
  if (live_->running()) resultReady(std::move(result));
}

void MainWindow::showStatus(const QString& message) { statusBar()->showMessage(message, 5000); }

AttentionSettings MainWindow::attentionSettings() const { return attention_->settings(); }

DetectionOptions MainWindow::detectionOptions() const {
  DetectionOptions options;
  options.threshold = static_cast<float>(detection_list_->threshold());
  options.nms_iou = detection_list_->mergeOverlaps() ? kMergeIou : 0.0f;
  return options;
}

void MainWindow::showError(const QString& message) {
  last_error_ = message;
  statusBar()->showMessage(message.section('\n', -1), 8000);
  emit errorShown(message);
  if (!screenshot_path_.isEmpty()) {
    qCritical("vitlens: %s", qPrintable(message));
    QCoreApplication::exit(1);
    return;
  }
  // Window-modal and not blocking: the app keeps working behind it (and tests keep running).
  auto* box = new QMessageBox(QMessageBox::Warning, tr("ViTLens"), message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

// Model > Attention Memory Budget: what a run may keep of the attention (every row only
// under it), persisted in MiB. A stored value that is not one of the choices stays in use.
QMenu* MainWindow::budgetMenu() {
  auto* menu = new QMenu(tr("Attention &Memory Budget"), this);
  menu->setObjectName("attention_budget");
  auto* group = new QActionGroup(menu);
  const int stored = settings_->value(key::kAttentionBudget).toInt();
  for (const int mib : {256, 512, 1024, 2048, 4096, 8192}) {
    QAction* choice = menu->addAction(mib < 1024 ? tr("%1 MiB").arg(mib) : tr("%1 GiB").arg(mib / 1024));
    choice->setObjectName(QString("attention_budget_%1").arg(mib));
    choice->setCheckable(true);
    choice->setChecked(mib == stored);
    group->addAction(choice);
    connect(choice, &QAction::triggered, this, [this, mib] { setAttentionBudget(mib); });
  }
  worker_->setAttentionBudget(stored * 1024.0 * 1024.0);
  return menu;
}

void MainWindow::setAttentionBudget(int mib) {
  settings_->setValue(key::kAttentionBudget, mib);
  worker_->setAttentionBudget(mib * 1024.0 * 1024.0);
  if (live_) live_->controller()->setAttentionBudget(worker_->attentionBudget());
  runCurrent();
}

void MainWindow::updateStatus() {
  const std::shared_ptr<const Model> model = worker_->model();
  if (!loading_model_.isEmpty())
    model_label_->setText(tr("Loading model %1...").arg(loading_model_));
  else
    model_label_->setText(model ? tr("Model: %1").arg(QFileInfo(QString::fromStdString(model->path)).fileName()) : tr("No model"));
  model_label_->setToolTip(model ? QString::fromStdString(model->path) : QString());
  device_label_->setText(worker_->hasModel() ? tr("Device: %1").arg(QString::fromStdString(worker_->device().name)) : QString());
  time_label_->setText(result_ ? tr("Inference: %1 ms").arg(result_->output.time_ms, 0, 'f', 1) : QString());
  input_label_->setText(result_ ? tr("Input: %1 x %2, %3 tokens")
                                      .arg(result_->input_size.height)
                                      .arg(result_->input_size.width)
                                      .arg(result_->layout.tokens())
                                : QString());
}

void MainWindow::updateActions() {
  const bool result = result_ != nullptr;
  export_menu_->setAvailable(ExportKind::View, canvas_->hasImage());
  for (ExportKind k : {ExportKind::Overlay, ExportKind::Heatmap, ExportKind::Grid, ExportKind::Npy})
    export_menu_->setAvailable(k, result && !result_->output.attention.empty());
  export_menu_->setAvailable(ExportKind::Detections, result && result_->model->has_detector());
  export_menu_->batchAction()->setEnabled(worker_->hasModel());
  model_info_->setEnabled(worker_->hasModel());
}

void MainWindow::showRow(int row) {
  const int count = folder_->rowCount();
  if (count == 0) return;
  row = std::clamp(row, 0, count - 1);
  if (row != folder_->row(path_)) openImage(folder_->path(row));
}

void MainWindow::showNext() { showRow(folder_->row(path_) + 1); }
void MainWindow::showPrevious() { showRow(std::max(0, folder_->row(path_) - 1)); }
void MainWindow::showFirst() { showRow(0); }
void MainWindow::showLast() { showRow(folder_->rowCount() - 1); }

const QImage& MainWindow::heatmap() const { return attention_view_->heatmap(); }

std::shared_ptr<const Model> MainWindow::model() const { return worker_->model(); }

void MainWindow::setScreenshotPath(const QString& path) {
  // A result may never come (a folder without images, a model that never loads): save what
  // is shown after a bounded wait rather than waiting forever.
  constexpr int kScreenshotWaitMs = 120000;
  screenshot_path_ = path;
  QTimer::singleShot(kScreenshotWaitMs, this, [this] {
    if (!screenshot_scheduled_) giveUpScreenshot(tr("no result was shown within %1 s").arg(kScreenshotWaitMs / 1000));
  });
}

void MainWindow::giveUpScreenshot(const QString& why) {
  if (screenshot_path_.isEmpty()) return;
  const QString path = screenshot_path_;
  screenshot_path_.clear();
  qCritical("vitlens: %s; the window as it was is saved in %s", qPrintable(why), qPrintable(path));
  try {
    export_png(grab().toImage(), path, true);
  } catch (const std::exception& e) {
    qCritical("vitlens: %s", e.what());
  }
  QCoreApplication::exit(1);
}

void MainWindow::saveScreenshot() {
  // Let the visible thumbnails arrive first (bounded: a broken one never holds this up).
  constexpr int kThumbnailWaitMs = 50, kThumbnailTries = 60;
  if (screenshot_path_.isEmpty()) return;
  if (!thumbnails_->idle() && ++screenshot_waits_ < kThumbnailTries) {
    QTimer::singleShot(kThumbnailWaitMs, this, &MainWindow::saveScreenshot);
    return;
  }
  const QString path = screenshot_path_;
  screenshot_path_.clear();
  try {
    export_png(grab().toImage(), path, true);
  } catch (const std::exception& e) {
    qCritical("vitlens: %s", e.what());
    QCoreApplication::exit(1);
    return;
  }
  QCoreApplication::exit(0);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  settings_->setValue(key::kWindowGeometry, saveGeometry());
  settings_->setValue(key::kWindowState, saveState());
  settings_->sync();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  openPaths(paths);
  event->acceptProposedAction();
}

}  // namespace vitlens::gui
