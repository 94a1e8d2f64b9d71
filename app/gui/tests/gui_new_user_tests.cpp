// What a new user hits, in the real window: honest first results (demo notices, encoders,
// loading), readable panels (the layers x heads grid, the detection list, the overlay's
// blend), the Help menu, export folders, folders of subfolders, the rollout discard, and
// the command line of `vitlens` (--version, --device, --screenshot without a result).
#include <algorithm>
#include <set>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QMenuBar>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeWidget>
#include <QtTest>

#include "canvas/image_canvas.hpp"
#include "folder/folder_model.hpp"
#include "folder/folder_panel.hpp"
#include "live/live_controller.hpp"
#include "live/live_mode.hpp"
#include "panels/attention_panel.hpp"
#include "panels/detection_list.hpp"
#include "panels/head_grid_panel.hpp"
#include "panels/head_grid_window.hpp"
#include "panels/model_notice.hpp"
#include "panels/results_panel.hpp"
#include "shell/help_texts.hpp"
#include "shell/model_info.hpp"
#include "shell/resource_locator.hpp"
#include "shell/settings.hpp"
#include "vitlens/model/description.hpp"
#include "vitlens/util/version.hpp"
#include "window_harness.hpp"

using namespace vitlens;
using namespace vitlens::gui;
using namespace vitlens::gui::test;

class GuiNewUserTests : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<MainWindow> window_;

  QString path(const QString& name) const { return dir_.filePath(name); }

  AttentionSettings settings() const { return window_->attentionPanel()->settings(); }

  void change(const std::function<void(AttentionSettings&)>& edit) {
    AttentionSettings s = settings();
    edit(s);
    window_->attentionPanel()->setSettings(s);
  }

  QProcess* startApp(const QStringList& arguments) {
    auto* app = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", path("config"));
    app->setProcessEnvironment(env);
    app->start(VITLENS_GUI_PATH, arguments);
    return app;
  }

  // A folder whose only image sits in a subfolder.
  QString folderOfSubfolders() {
    const QString root = path(QString("nested_%1").arg(QTest::currentTestFunction()));
    QDir().mkpath(root + "/inner");
    QFile::copy(image("fruits.jpg"), root + "/inner/fruits.jpg");
    return root;
  }

 private slots:
  void init() {
    settings_ = std::make_unique<Settings>(path(QString("%1.ini").arg(QTest::currentTestFunction())));
    settings_->setValue(key::kDevice, "auto");
    window_ = std::make_unique<MainWindow>(settings_.get());
    window_->resize(1200, 800);
    window_->show();
  }

  void cleanup() {
    window_.reset();
    settings_.reset();
  }

  void aDemoModelSaysWhatItIsForAndLinksToARealModel() {
    if (demo_models().isEmpty()) QSKIP("no bundled demo models");
    QVERIFY(open_model(*window_, demo("fashion-vit")));
    ModelNotice* notice = window_->classesNotice();
    QVERIFY(!notice->isHidden());
    QVERIFY(notice->notice().contains("28 x 28 Fashion-MNIST"));
    QVERIFY(notice->notice().contains("Photographs are outside what it knows"));
    QVERIFY(notice->text().contains("Open a real model"));
    QVERIFY(open_model(*window_, demo("fashion-yolos")));
    QVERIFY(!window_->detectionsNotice()->isHidden());
    QVERIFY(window_->detectionsNotice()->notice().contains("scenes of Fashion-MNIST"));

    // The link is Model > Open Model Folder...: its folder dialog opens (closed here).
    QAction* open = nullptr;
    for (QAction* a : window_->findChildren<QAction*>())
      if (a->text() == "&Open Model Folder...") open = a;
    QVERIFY(open);
    QSignalSpy triggered(open, &QAction::triggered);
    QTimer::singleShot(200, [] {
      if (QWidget* dialog = QApplication::activeModalWidget()) dialog->close();
    });
    emit window_->detectionsNotice()->linkActivated("open-model");
    QCOMPARE(triggered.count(), 1);

    QVERIFY(open_model(*window_, fixture("hf_vit")));  // not a demo: no notice
    QVERIFY(window_->classesNotice()->isHidden());
  }

  void anEncoderSaysWhatItIsInsteadOfAnEmptyClassesPanel() {
    QVERIFY(open_model(*window_, fixture("hf_dino")));
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    const QString message = window_->resultsPanel()->message();
    QVERIFY2(message.contains("encoder (features and attention only)"), qPrintable(message));
    QVERIFY(message.contains("no classifier"));
    QVERIFY(window_->canvas()->heatmapShown());
  }

  void whileTheModelLoadsTheWindowSaysSo() {
    QSignalSpy shown(window_.get(), &MainWindow::imageShown);
    window_->openImage(image("fruits.jpg"));
    QVERIFY(shown.wait(kTimeoutMs));
    QVERIFY(window_->resultsPanel()->message().contains("Open a model"));
    QString at_ready;
    connect(window_.get(), &MainWindow::modelReady, this, [&] { at_ready = window_->resultsPanel()->message(); });
    QSignalSpy result(window_.get(), &MainWindow::resultShown);
    window_->openModel(fixture("hf_vit"));
    QVERIFY(window_->resultsPanel()->message().startsWith("Loading model hf_vit"));
    QVERIFY(result.wait(kTimeoutMs));
    QVERIFY2(at_ready.startsWith("Running the model on fruits.jpg"), qPrintable(at_ready));
    QVERIFY(!window_->resultsPanel()->predictions().empty());
  }

  void theHelpMenuHasTheDocsTheShortcutsAndTheVersionAndDevice() {
    QStringList help;
    for (QAction* menu : window_->menuBar()->actions())
      if (menu->text() == "&Help")
        for (QAction* a : menu->menu()->actions()) help << a->text();
    QCOMPARE(help, QStringList({"&Documentation", "&Keyboard Shortcuts", "&About ViTLens"}));
    QVERIFY(QFileInfo(docs_dir() + "/gui.md").exists());
    const QString shortcuts = shortcuts_html(window_->menuBar());
    QVERIFY(shortcuts.contains("File &gt; Open Image"));
    QVERIFY(shortcuts.contains(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
    QVERIFY(shortcuts.contains("Live &gt; "));  // menus added after the Help menu's are listed too
    const QString about = about_html("llvmpipe [0]");
    QVERIFY(about.contains(QString::fromStdString(version_text())));
    QVERIFY(about.contains("llvmpipe [0]"));
  }

  void exportsAreOfferedInTheLastExportFolderElsePictures() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString expected = QFileInfo(pictures).isDir() ? pictures : QDir::homePath();
    const QString first = window_->suggestedExportPath(ExportKind::Overlay);
    QCOMPARE(QFileInfo(first).absolutePath(), QDir(expected).absolutePath());
    QVERIFY(!first.startsWith(QFileInfo(image("fruits.jpg")).absolutePath()));
    QVERIFY(QDir().mkpath(path("exports")));
    QVERIFY(window_->exportCurrent(ExportKind::Overlay, path("exports/overlay.png")));
    QCOMPARE(QFileInfo(window_->suggestedExportPath(ExportKind::Heatmap)).absolutePath(), QDir(path("exports")).absolutePath());
  }

  void modelInfoShowsTheEngineDescriptionIncludingTheResizeLimits() {
    QVERIFY(open_model(*window_, fixture("yolos/yolos_mid")));
    const QString html = model_info_html(*window_->model());
    for (const ModelFact& fact : describe_model(*window_->model()))
      QVERIFY2(html.contains(QString::fromStdString(fact.value).toHtmlEscaped()), fact.name.c_str());
    QVERIFY(html.contains("longest edge at most"));
    QVERIFY(html.contains("sides floored to multiples of"));
  }

  void theRolloutDiscardChangesTheMapAndIsExported() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    change([](AttentionSettings& s) { s.method = AttentionMethod::Rollout; });
    const QImage kept = window_->heatmap();
    change([](AttentionSettings& s) { s.discard = 0.9; });
    QCOMPARE(settings().discard, 0.9);
    QVERIFY(window_->heatmap() != kept);
    QVERIFY(window_->exportCurrent(ExportKind::Npy, path("rollout.npy")));
    QFile sidecar(path("rollout.json"));
    QVERIFY(sidecar.open(QIODevice::ReadOnly));
    QVERIFY(sidecar.readAll().contains("\"discard\": 0.9"));
  }

  void theHeatmapFadesLowValuesByDefaultAndCanTintEverything() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    QCOMPARE(settings().blend, Blend::Ramp);
    const auto alphas = [this] {
      const QImage layer = window_->heatmap().convertToFormat(QImage::Format_RGBA8888);
      std::set<int> seen;
      for (int y = 0; y < layer.height(); y += 4)
        for (int x = 0; x < layer.width(); x += 4) seen.insert(qAlpha(layer.pixel(x, y)));
      return seen;
    };
    const std::set<int> ramp = alphas();
    QCOMPARE(*ramp.begin(), 0);     // the lowest value leaves the image as it is
    QCOMPARE(*ramp.rbegin(), 255);  // the highest takes the full opacity
    change([](AttentionSettings& s) { s.blend = Blend::Uniform; });
    QCOMPARE(alphas(), std::set<int>{255});
  }

  void theGridFillsItsDockWithLegibleLabelsAndOpensInAZoomableWindow() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    HeadGridPanel* grid = window_->headGrid();
    QVERIFY(grid->hasGrid());
    const HeadGridLayout layout = grid->currentLayout();
    const QRectF first = layout.cells.front().front(), last = layout.cells.back().back();
    const QRectF used = first.united(last);
    // The limiting direction is filled (within the margins and labels).
    QVERIFY(used.width() > 0.8 * grid->width() - 80 || used.height() > 0.8 * grid->height() - 40);
    for (const QRectF& label : layout.row_labels)
      if (!label.isEmpty()) QVERIFY(label.height() >= QFontMetricsF(grid->font()).height());

    auto* open = window_->findChild<QPushButton*>("open_grid_window");
    QVERIFY(open);
    open->click();
    auto* gridWindow = window_->findChild<HeadGridWindow*>();
    QVERIFY(gridWindow);
    QVERIFY(gridWindow->panel()->hasGrid());
    const double fitted = gridWindow->panel()->currentLayout().cells[0][0].width();
    gridWindow->zoomIn();
    QVERIFY(gridWindow->panel()->currentLayout().cells[0][0].width() > fitted);
    QSignalSpy clicked(grid, &HeadGridPanel::cellClicked);
    const QPoint target = gridWindow->panel()->currentLayout().cells.at(1).at(2).center().toPoint();
    QTest::mouseClick(gridWindow->panel(), Qt::LeftButton, {}, target);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(settings().layer, 1);
    QCOMPARE(settings().head, 2);
    QCOMPARE(gridWindow->panel()->selectedCell(), std::pair(1, 2));  // it follows the dock's selection
  }

  void detectionsAreListedBestFirstWithTheirCornersUncut() {
    QVERIFY(open_model(*window_, fixture("yolos/yolos_mid")));
    window_->detectionList()->setThreshold(0);
    QVERIFY(open_image(*window_, image("fruits.jpg")));
    auto* tree = window_->detectionList()->findChild<QTreeWidget*>();
    QVERIFY(tree);
    QCOMPARE(tree->headerItem()->text(2), QString("Box (x0, y0, x1, y1)"));
    const std::vector<Detection>& detections = window_->detections();
    QCOMPARE(tree->topLevelItemCount(), int(detections.size()));
    QVERIFY(detections.size() > 1);
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
      const Detection& d = detections[static_cast<size_t>(i)];
      if (i) QVERIFY(detections[static_cast<size_t>(i) - 1].score >= d.score);
      // The whole box shows: its column is as wide as its text.
      QVERIFY(QFontMetrics(tree->font()).horizontalAdvance(tree->topLevelItem(i)->text(2)) <= tree->columnWidth(2));
      QCOMPARE(tree->topLevelItem(i)->text(2), QString("%1, %2, %3, %4")
                                                   .arg(d.box.x, 0, 'f', 1)
                                                   .arg(d.box.y, 0, 'f', 1)
                                                   .arg(d.box.x + d.box.width, 0, 'f', 1)
                                                   .arg(d.box.y + d.box.height, 0, 'f', 1));
    }
  }

  void aFolderOfSubfoldersSaysSoAndItsImagesOpenWithIncludeSubfolders() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    const QString root = folderOfSubfolders();
    QSignalSpy listed(window_->folderModel(), &FolderModel::listed);
    window_->openFolder(QDir::current().relativeFilePath(root));  // as typed on a command line
    QVERIFY(listed.wait(kTimeoutMs));
    QCOMPARE(window_->folderModel()->rowCount(), 0);
    QVERIFY2(window_->folderPanel()->message().contains("1 subfolder"), qPrintable(window_->folderPanel()->message()));
    QVERIFY(window_->folderPanel()->message().contains("Include Subfolders"));
    QSignalSpy result(window_.get(), &MainWindow::resultShown);
    window_->folderPanel()->recursiveBox()->setChecked(true);
    QVERIFY(result.wait(kTimeoutMs));
    QCOMPARE(window_->folderModel()->rowCount(), 1);
    QVERIFY(window_->currentPath().endsWith("inner/fruits.jpg"));
    QVERIFY(window_->folderPanel()->message().isEmpty());
    QCOMPARE(settings_->value(key::kRecursiveFolders).toBool(), true);
  }

  void aScreenshotOfAFolderWithoutImagesSavesTheWindowAndFails() {
    const QString root = folderOfSubfolders();
    QProcess* app = startApp({"--model", fixture("hf_vit"), "--screenshot", path("empty.png"), root});
    QVERIFY(app->waitForFinished(kTimeoutMs));
    QCOMPARE(app->exitCode(), 1);
    QVERIFY(QString::fromLocal8Bit(app->readAllStandardError()).contains("No images directly in"));
    QVERIFY(!QImage(path("empty.png")).isNull());
  }

  void anUnknownDeviceIsRefusedWithTheListOfDevices() {
    QProcess* app = startApp({"--device", "7", image("fruits.jpg")});
    QVERIFY(app->waitForFinished(kTimeoutMs));
    QCOMPARE(app->exitCode(), 1);
    const QString err = QString::fromLocal8Bit(app->readAllStandardError());
    QVERIFY2(err.contains("no device matches '7'; available devices:"), qPrintable(err));
    QVERIFY(err.contains("cpu"));
  }

  void liveResultsReachTheUiNewestOnlySoASlowUiBuildsNoBacklog() {
    LiveController* live = window_->liveMode()->controller();
    QSignalSpy arrived(live, &LiveController::resultArrived);
    auto older = std::make_shared<InferenceResult>(), newer = std::make_shared<InferenceResult>();
    const auto t0 = std::chrono::steady_clock::now();
    live->offerResult(older, t0);  // the UI is busy: neither is taken before the second comes
    live->offerResult(newer, t0 + std::chrono::milliseconds(50));
    QTRY_COMPARE(arrived.count(), 1);
    QCOMPARE(arrived[0][0].value<std::shared_ptr<const InferenceResult>>(), std::shared_ptr<const InferenceResult>(newer));
    QCoreApplication::processEvents();
    QCOMPARE(arrived.count(), 1);  // the replaced result is never shown
  }

  void versionPrintsTheVersionAndCommit() {
    QProcess* app = startApp({"--version"});
    QVERIFY(app->waitForFinished(kTimeoutMs));
    QCOMPARE(app->exitCode(), 0);
    QCOMPARE(QString::fromLocal8Bit(app->readAllStandardOutput()), QString("vitlens %1\n").arg(QString::fromStdString(version_text())));
  }
};

QTEST_MAIN(GuiNewUserTests)
#include "gui_new_user_tests.moc"
