// The main window driven as a user would: open models and images, read the results, change
// the attention controls, click patches and grid cells, export, batch export, and survive
// broken inputs. Small fixture models keep it fast; the bundled demo models are used when
// they are present.
#include <algorithm>

#include <QApplication>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <QComboBox>
#include <QSpinBox>
#include <QStatusBar>

#include "canvas/image_canvas.hpp"
#include "canvas/image_conversion.hpp"
#include "compare/compare_window.hpp"
#include "export/batch_export_dialog.hpp"
#include "folder/folder_model.hpp"
#include "live/live_controller.hpp"
#include "live/live_mode.hpp"
#include "panels/head_statistics_panel.hpp"
#include "panels/attention_panel.hpp"
#include "panels/attention_view.hpp"
#include "panels/detection_list.hpp"
#include "panels/head_grid_panel.hpp"
#include "panels/results_panel.hpp"
#include "shell/input_size_control.hpp"
#include "shell/main_window.hpp"
#include "shell/resource_locator.hpp"
#include "shell/settings.hpp"
#include "support/video_fixtures.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"
#include "window_harness.hpp"

using namespace vitlens;
using namespace vitlens::gui;

using namespace vitlens::gui::test;

class GuiWindowTests : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<MainWindow> window_;

  void openModel(const QString& path) {
    QSignalSpy ready(window_.get(), &MainWindow::modelReady);
    window_->openModel(path);
    QVERIFY2(ready.wait(kTimeoutMs), qPrintable(window_->lastError()));
  }

  void openImage(const QString& path) {
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    window_->openImage(path);
    QVERIFY2(shown.wait(kTimeoutMs), qPrintable(window_->lastError()));
  }

  AttentionSettings settings() const { return window_->attentionPanel()->settings(); }

  void startLive(const QString& source) {
    QSignalSpy started(window_->liveMode(), &LiveMode::started);
    window_->liveMode()->start(source);
    QVERIFY2(started.wait(kTimeoutMs), qPrintable(window_->lastError()));
  }

  // Applies a change to the attention controls and returns the heatmap it produced.
  QImage heatmapAfter(const std::function<void(AttentionSettings&)>& change) {
    AttentionSettings s = settings();
    change(s);
    window_->attentionPanel()->setSettings(s);
    return window_->heatmap();
  }

  QString path(const QString& name) const { return dir_.filePath(name); }

  // Every test starts from the defaults.
  QString settingsPath() const { return path(QString("%1.ini").arg(QTest::currentTestFunction())); }

  // A bundled sample image: a scene for a detector, a single item for a classifier (a
  // fixture photo while resources/samples is not there).
  static QString sample(bool scene) {
    if (samples_dir().isEmpty()) return image("fruits.jpg");
    QStringList all;
    QDirIterator it(samples_dir(), FolderModel::imageFilters(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) all << it.next();
    all = FolderModel::naturalSorted(all);
    for (const QString& p : all)
      if (p.contains("scene", Qt::CaseInsensitive) == scene) return p;
    return all.value(0);
  }

 private slots:
  void init() {
    settings_ = std::make_unique<Settings>(settingsPath());
    settings_->setValue(key::kDevice, "auto");
    window_ = std::make_unique<MainWindow>(settings_.get());
    window_->resize(1200, 800);
    window_->show();
  }

  void cleanup() {
    window_.reset();
    settings_.reset();
  }

  void aClassifierShowsItsTopClassesMostProbableFirst() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    const auto& predictions = window_->resultsPanel()->predictions();
    QCOMPARE(predictions.size(), size_t(5));  // the fixture has five classes
    float total = 0;
    for (size_t i = 0; i < predictions.size(); ++i) {
      total += predictions[i].probability;
      if (i) QVERIFY(predictions[i - 1].probability >= predictions[i].probability);
    }
    QVERIFY(qAbs(total - 1.0f) < 1e-4f);
    QVERIFY(window_->canvas()->hasImage());
    QVERIFY(window_->canvas()->heatmapShown());
    QCOMPARE(settings().layer, 1);  // the last layer by default
  }

  void theInputSizeControlChangesTheTokenCountAndTheResultAndIsRememberedPerModel() {
    openModel(fixture("hf_deit_distilled"));  // patch 8, crops 32 x 32: 2 + 16 tokens
    openImage(image("fruits.jpg"));           // 160 x 120
    QCOMPARE(window_->currentResult()->layout.tokens(), 18);
    const std::vector<float> default_logits = window_->currentResult()->output.logits.data;
    auto* mode = window_->inputSizeControl()->findChild<QComboBox*>("input_size_mode");
    auto* height = window_->inputSizeControl()->findChild<QSpinBox*>("input_height");
    auto* width = window_->inputSizeControl()->findChild<QSpinBox*>("input_width");
    auto* status = window_->findChild<QLabel*>("input_size");
    QVERIFY(mode && height && width && status);
    QCOMPARE(status->text(), QString("Input: 32 x 32, 18 tokens"));

    const auto tokens_after = [&](const std::function<void()>& change, int tokens) {
      QSignalSpy shown(window_.get(), &MainWindow::resultShown);
      change();
      while (window_->currentResult()->layout.tokens() != tokens) QVERIFY(shown.wait(kTimeoutMs));
    };
    tokens_after([&] {
      mode->setCurrentIndex(2);
      emit mode->activated(2);
      height->setValue(48);
      width->setValue(40);
    }, 2 + 6 * 5);
    QCOMPARE(status->text(), QString("Input: 48 x 40, 32 tokens"));
    // The same logits as the Hugging Face processor and model at 48 x 40 (tools/make_size_fixtures.py).
    const Tensor expected = TensorStore::open_file(fixture("sizes/hf_deit_48x40.safetensors").toStdString()).read("logits");
    const std::vector<float>& logits = window_->currentResult()->output.logits.data;
    QCOMPARE(logits.size(), expected.data.size());
    for (size_t i = 0; i < logits.size(); ++i) QVERIFY(std::abs(logits[i] - expected.data[i]) < 1e-4f);
    QVERIFY(logits != default_logits);

    tokens_after([&] {
      mode->setCurrentIndex(1);
      emit mode->activated(1);
    }, 2 + 15 * 20);  // native: 120 x 160
    const QString deit = QString::fromStdString(window_->model()->path);
    QCOMPARE(settings_->value(key::kInputSizes).toMap().value(deit).toString(), QString("native"));

    // Another model starts at its own default; the first gets its size back.
    openModel(fixture("hf_vit"));
    QCOMPARE(mode->currentIndex(), 0);
    tokens_after([] {}, 1 + 16);
    openModel(fixture("hf_deit_distilled"));
    QCOMPARE(mode->currentIndex(), 1);
    tokens_after([] {}, 302);

    // Over the token limit: a dialog names the count and the limit.
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    window_->inputSizeControl()->findChild<QSpinBox*>("max_tokens")->setValue(300);
    QVERIFY(errors.wait(kTimeoutMs));
    QVERIFY(window_->lastError().contains("302 tokens, more than the limit of 300"));
    QCOMPARE(settings_->value(key::kMaxTokens).toInt(), 300);
  }

  void everyDemoModelRunsOnASample() {
    const QStringList demos = demo_models();
    if (demos.isEmpty()) QSKIP("no bundled demo models in resources/models yet");
    for (const QString& demo : demos) {
      openModel(demo);
      openImage(sample(window_->model()->has_detector()));
      const auto result = window_->currentResult();
      QVERIFY(result);
      if (result->model->has_detector()) {
        QCOMPARE(window_->detectionList()->count(), static_cast<int>(window_->detections().size()));
      } else {
        QVERIFY(!window_->resultsPanel()->predictions().empty());
      }
      QVERIFY(!window_->heatmap().isNull());
    }
  }

  void changingLayerHeadMethodOrQueryReRendersWithoutRunningAgain() {
    openModel(fixture("hf_deit_distilled"));
    openImage(image("baboon.png"));
    const auto result = window_->currentResult();
    QSignalSpy reruns(window_.get(), &MainWindow::resultShown);
    const QImage start = window_->heatmap();
    QVERIFY(!start.isNull());
    const QImage layer = heatmapAfter([](AttentionSettings& s) { s.layer = 0; });
    QVERIFY(layer != start);
    const QImage head = heatmapAfter([](AttentionSettings& s) { s.head = 2; });
    QVERIFY(head != layer);
    const QImage max = heatmapAfter([](AttentionSettings& s) {
      s.head = -1;
      s.fusion = HeadFusion::Max;
    });
    QVERIFY(max != head);
    const QImage rollout = heatmapAfter([](AttentionSettings& s) { s.method = AttentionMethod::Rollout; s.layer = 1; });
    QVERIFY(rollout != max);
    const QImage mask = heatmapAfter([](AttentionSettings& s) { s.method = AttentionMethod::Mask; s.mass = 0.3; });
    QVERIFY(mask != rollout);
    const QImage dist = heatmapAfter([](AttentionSettings& s) {
      s.method = AttentionMethod::Raw;
      s.query = QueryToken::parse("dist");
    });
    QVERIFY(dist != mask);
    const QImage colours = heatmapAfter([](AttentionSettings& s) { s.colormap = Colormap::Inferno; });
    QVERIFY(colours != dist);
    QCOMPARE(reruns.count(), 0);
    QCOMPARE(window_->currentResult(), result);
  }

  void clickingAPatchShowsWhereThatPatchLooks() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    const QImage cls = window_->heatmap();
    const auto result = window_->currentResult();
    // The fixture squashes the image to 32 x 32: 4 x 4 patches of 8 pixels.
    const QPointF pixel(result->rgb.cols * 0.6, result->rgb.rows * 0.3);
    const QPoint at = window_->canvas()->transform().mapToView(pixel).toPoint();
    QTest::mouseMove(window_->canvas(), at);
    const QString hover = window_->findChild<QLabel*>("pointer")->text();
    QVERIFY2(hover.contains("patch 1, 2  attention "), qPrintable(hover));
    QTest::mouseClick(window_->canvas(), Qt::LeftButton, {}, at);
    const QueryToken q = settings().query;
    QCOMPARE(q.kind, QueryToken::Kind::Patch);
    QCOMPARE(q.index, 1);   // row: 0.3 * 4
    QCOMPARE(q.column, 2);  // column: 0.6 * 4
    QVERIFY(window_->heatmap() != cls);
  }

  void theFeaturesViewShowsPcaColoursAndAClickedPatchShowsItsSimilarity() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    const auto result = window_->currentResult();
    QSignalSpy reruns(window_.get(), &MainWindow::resultShown);
    const QImage pca = heatmapAfter([](AttentionSettings& s) { s.method = AttentionMethod::Pca; });
    QVERIFY(!pca.isNull());
    QVERIFY(window_->canvas()->heatmapShown());
    QVERIFY(window_->exportCurrent(ExportKind::Heatmap, path("pca.png")));
    const QImage exported(path("pca.png"));
    QCOMPARE(exported.size(), QSize(result->rgb.cols, result->rgb.rows));
    const QColor centre = exported.pixelColor(exported.width() / 2, exported.height() / 2);
    QVERIFY(centre.red() != centre.green() || centre.green() != centre.blue());  // colours, not a colormap's grey
    QVERIFY(window_->exportCurrent(ExportKind::Npy, path("pca.npy")));
    QFile npy(path("pca.npy"));
    QVERIFY(npy.open(QIODevice::ReadOnly));
    QVERIFY(npy.read(128).contains("'shape': (1, 3, 1, 4, 4)"));  // the three components

    const QPointF pixel(result->rgb.cols * 0.6, result->rgb.rows * 0.3);  // patch (1, 2)
    QTest::mouseClick(window_->canvas(), Qt::LeftButton, {}, window_->canvas()->transform().mapToView(pixel).toPoint());
    QCOMPARE(settings().method, AttentionMethod::Similarity);
    QCOMPARE(settings().query.name(), std::string("patch:1,2"));
    QVERIFY(!window_->heatmap().isNull() && window_->heatmap() != pca);
    QVERIFY(std::abs(window_->attentionView()->map().at<float>(1, 2) - 1.0f) < 1e-5f);  // the patch itself
    QCOMPARE(reruns.count(), 0);
  }

  void theCompareViewShowsTwoMapsWithTheirOwnSettingsAndExportsThePair() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    const auto result = window_->currentResult();
    window_->showCompare();
    CompareWindow* compare = window_->compareWindow();
    QVERIFY(compare && compare->isVisible());
    ComparePair* pair = compare->pair();
    QCOMPARE(pair->settings(0), settings());  // the panel's map on the left...
    QCOMPARE(pair->settings(1).method, AttentionMethod::Relevance);  // ...against the top class's relevance
    QTRY_VERIFY_WITH_TIMEOUT(!pair->computing(0) && !pair->computing(1), kTimeoutMs);
    QVERIFY(pair->map(0)->error.isEmpty() && pair->map(1)->error.isEmpty());
    QVERIFY(compare->canvas(0)->hasImage() && compare->canvas(1)->hasImage());
    QVERIFY(cv::norm(pair->map(0)->map, pair->map(1)->map, cv::NORM_INF) > 0);

    // Each side has its own controls: layer 0 on the right leaves the left as it was.
    AttentionSettings right = compare->panel(1)->settings();
    right.method = AttentionMethod::Raw;
    right.layer = 0;
    compare->panel(1)->setSettings(right);
    QTRY_VERIFY_WITH_TIMEOUT(!pair->computing(1), kTimeoutMs);
    QCOMPARE(pair->map(1)->settings.layer, 0);
    QCOMPARE(pair->map(0)->settings, settings());
    // A click on the right image picks the right side's query patch.
    const QPointF pixel(result->rgb.cols * 0.6, result->rgb.rows * 0.3);
    QTest::mouseClick(compare->canvas(1), Qt::LeftButton, {}, compare->canvas(1)->transform().mapToView(pixel).toPoint());
    QCOMPARE(pair->settings(1).query.name(), std::string("patch:1,2"));
    QCOMPARE(pair->settings(0).query.name(), settings().query.name());
    QTRY_VERIFY_WITH_TIMEOUT(!pair->computing(1), kTimeoutMs);

    compare->exportPair(path("pair.png"), false);
    const QImage exported(path("pair.png"));
    QVERIFY(exported.width() > 2 * result->rgb.cols);
    QCOMPARE(exported.convertToFormat(QImage::Format_RGB888), to_qimage(pair->pairImage()).convertToFormat(QImage::Format_RGB888));
    QVERIFY_THROWS_EXCEPTION(Error, compare->exportPair(path("pair.png"), false));  // kept without permission

    // The window follows the current image.
    openImage(image("baboon.png"));
    QTRY_VERIFY_WITH_TIMEOUT(pair->map(0) && pair->map(1), kTimeoutMs);
    QVERIFY(pair->map(0)->result->image_path.endsWith("baboon.png"));
    QVERIFY(pair->map(1)->result->image_path.endsWith("baboon.png"));
    QCOMPARE(pair->settings(1).query.name(), std::string("patch:1,2"));  // each side keeps its settings
  }

  void anImageOverTheMemoryBudgetKeepsThePrefixRowsAndComputesAClickedPatchsRow() {
    settings_->setValue(key::kAttentionBudget, 0);  // every input is over it
    window_ = std::make_unique<MainWindow>(settings_.get());
    window_->show();
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    QVERIFY(!window_->currentResult()->all_rows);
    QCOMPARE(window_->currentResult()->output.attention_queries, std::vector<int>({0}));  // CLS only
    QVERIFY(!window_->heatmap().isNull());
    const auto result = window_->currentResult();
    const QPointF pixel(result->rgb.cols * 0.6, result->rgb.rows * 0.3);  // patch (1, 2): token 7
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    QTest::mouseClick(window_->canvas(), Qt::LeftButton, {}, window_->canvas()->transform().mapToView(pixel).toPoint());
    QVERIFY(window_->statusBar()->currentMessage().contains("Computing the attention of patch:1,2"));
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(window_->currentResult()->output.attention_queries, std::vector<int>({0, 7}));
    QVERIFY(window_->statusBar()->currentMessage().isEmpty());
    QVERIFY(!window_->heatmap().isNull());
  }

  void theAttentionMemoryBudgetIsAModelMenuChoiceThatPersists() {
    auto* budget = window_->findChild<QAction*>("attention_budget_1024");
    QVERIFY(budget && budget->isChecked());  // 1 GiB by default
    window_->findChild<QAction*>("attention_budget_256")->trigger();
    QCOMPARE(settings_->value(key::kAttentionBudget).toInt(), 256);
    window_ = std::make_unique<MainWindow>(settings_.get());
    QVERIFY(window_->findChild<QAction*>("attention_budget_256")->isChecked());
  }

  void clickingAGridCellSelectsItsLayerAndHead() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    HeadGridPanel* grid = window_->headGrid();
    QVERIFY(grid->hasGrid());
    QSignalSpy clicked(grid, &HeadGridPanel::cellClicked);
    // Row 0 (layer 0), column 2 (head 2).
    const QPoint target = grid->currentLayout().cells.at(0).at(2).center().toPoint();
    QCOMPARE(grid->cellAt(target), std::pair(0, 2));
    QTest::mouseClick(grid, Qt::LeftButton, {}, target);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(settings().layer, 0);
    QCOMPARE(settings().head, 2);
    QCOMPARE(grid->selectedCell(), std::pair(0, 2));
  }

  void theHeadStatisticsDockPlotsThisImageAndAClickedDotSelectsItsHead() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    auto* panel = window_->findChild<HeadStatisticsPanel*>();
    QVERIFY(panel);
    QVERIFY(panel->statistics());
    QCOMPARE(panel->statistics()->mean_attention_distance.size(), size_t(2));
    emit panel->headClicked(0, 2);
    QCOMPARE(settings().layer, 0);
    QCOMPARE(settings().head, 2);
  }

  void clickingAClassExplainsItWithRelevance() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    emit window_->resultsPanel()->classClicked(2);
    QCOMPARE(settings().method, AttentionMethod::Relevance);
    QCOMPARE(settings().target_class, 2);
    QVERIFY(shown.wait(20000));  // the backward pass runs on the worker
    QVERIFY(window_->canvas()->heatmapShown());
  }

  void everyExportWritesItsFiles() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    const auto result = window_->currentResult();
    QVERIFY(window_->exportCurrent(ExportKind::View, path("view.png")));
    QVERIFY(!QImage(path("view.png")).isNull());
    QVERIFY(window_->exportCurrent(ExportKind::Overlay, path("overlay.png")));
    QCOMPARE(QImage(path("overlay.png")).size(), QSize(result->rgb.cols, result->rgb.rows));
    QVERIFY(window_->exportCurrent(ExportKind::Heatmap, path("heatmap.png")));
    QCOMPARE(QImage(path("heatmap.png")).size(), QSize(result->rgb.cols, result->rgb.rows));
    QVERIFY(window_->exportCurrent(ExportKind::Grid, path("grid.png")));
    QVERIFY(QImage(path("grid.png")).width() > 160);
    QVERIFY(window_->exportCurrent(ExportKind::Npy, path("maps.npy")));
    QFile npy(path("maps.npy"));
    QVERIFY(npy.open(QIODevice::ReadOnly));
    const QByteArray header = npy.read(128);
    QVERIFY(header.startsWith("\x93NUMPY"));
    QVERIFY(header.contains("'shape': (2, 4, 1, 4, 4)"));  // layers, heads, queries, grid
    QFile sidecar(path("maps.json"));
    QVERIFY(sidecar.open(QIODevice::ReadOnly));
    QVERIFY(sidecar.readAll().contains("maps.npy"));
    // Without permission an existing file is kept and the failure is reported.
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    QVERIFY(!window_->exportCurrent(ExportKind::Overlay, path("overlay.png"), false));
    QCOMPARE(errors.count(), 1);
  }

  void aDetectorShowsBoxesThatFollowTheThresholdAndTheList() {
    openModel(fixture("yolos/yolos_coco"));
    openImage(image("fruits.jpg"));
    DetectionList* list = window_->detectionList();
    list->setThreshold(0.0);
    const size_t all = window_->detections().size();
    QCOMPARE(all, size_t(6));  // every detection token of the fixture
    QCOMPARE(list->count(), 6);
    const float lowest = std::min_element(window_->detections().begin(), window_->detections().end(),
                                          [](const Detection& a, const Detection& b) { return a.score < b.score; })->score;
    list->setThreshold(lowest);  // "above": the lowest one goes
    QCOMPARE(window_->detections().size(), all - 1);
    QCOMPARE(list->count(), int(all - 1));
    list->setThreshold(0.0);
    list->setMergeOverlaps(true);
    QVERIFY(window_->detections().size() <= all);
    QCOMPARE(list->count(), int(window_->detections().size()));
    list->setMergeOverlaps(false);
    QCOMPARE(window_->detections().size(), all);
    emit list->detectionPicked(0);
    QCOMPARE(settings().query.kind, QueryToken::Kind::Det);
    QCOMPARE(settings().query.index, window_->detections().front().token);
    QCOMPARE(window_->canvas()->highlightedBox(), 0);
    QVERIFY(!window_->heatmap().isNull());
    QVERIFY(window_->exportCurrent(ExportKind::Detections, path("detections.json")));
    QFile json(path("detections.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    QVERIFY(json.readAll().contains("\"detections\""));
  }

  void batchExportWritesEveryImageAndNeverOverwritesSilently() {
    openModel(fixture("hf_vit"));
    const QString in = path("batch_in"), out = path("batch_out");
    QDir().mkpath(in);
    for (const char* name : {"fruits.jpg", "baboon.png", "photo.bmp"}) QFile::copy(image(name), in + "/" + name);
    openImage(image("fruits.jpg"));
    BatchJob job;
    job.settings = settings();
    job.model = window_->currentResult()->model;
    job.device = "auto";
    BatchExportDialog dialog(job);
    dialog.setInputFolder(in);
    dialog.setOutputFolder(out);
    dialog.setKind(ExportKind::Npy, true);
    dialog.setExisting(BatchExportDialog::Existing::Skip);
    QSignalSpy finished(&dialog, &BatchExportDialog::exportFinished);
    QVERIFY(dialog.start());
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(dialog.summary().done, 3);
    QCOMPARE(dialog.summary().files, 9);  // overlay, .npy and .json per image
    QCOMPARE(QDir(out).entryList(QDir::Files).size(), 9);
    const QDateTime written = QFileInfo(out + "/fruits_raw_cls.npy").lastModified();
    // Again: every image has its files already, so all are skipped and nothing is touched.
    QVERIFY(dialog.start());
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(dialog.summary().skipped, 3);
    QCOMPARE(dialog.summary().files, 0);
    QCOMPARE(QFileInfo(out + "/fruits_raw_cls.npy").lastModified(), written);
    QVERIFY(dialog.summaryText().contains("3 skipped"));
  }

  void aNewerImageSupersedesOneStillRunning() {
    openModel(fixture("hf_vit"));
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    window_->openImage(image("fruits.jpg"));
    window_->openImage(image("baboon.png"));
    QVERIFY(shown.wait(kTimeoutMs));
    QTest::qWait(300);  // a stale result would arrive in this time
    QCOMPARE(shown.count(), 1);
    QVERIFY(window_->currentResult()->image_path.endsWith("baboon.png"));
  }

  void theScreenshotOptionSavesTheWindowAndQuits() {
    QProcess app;
    app.setProcessEnvironment([this] {
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("QT_QPA_PLATFORM", "offscreen");
      env.insert("XDG_CONFIG_HOME", path("config"));
      return env;
    }());
    app.start(VITLENS_GUI_PATH, {"--model", fixture("hf_vit"), "--screenshot", path("shot.png"), image("fruits.jpg")});
    QVERIFY(app.waitForFinished(kTimeoutMs));
    QCOMPARE(app.exitCode(), 0);
    const QImage shot(path("shot.png"));
    QVERIFY(shot.width() >= 800 && shot.height() >= 500);
  }

  void aBrokenImageIsReportedAndTheAppKeepsWorking() {
    openModel(fixture("hf_vit"));
    QFile broken(path("broken.jpg"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("this is not a JPEG");
    broken.close();
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    window_->openImage(path("broken.jpg"));
    QVERIFY(errors.wait(kTimeoutMs));
    QVERIFY(window_->lastError().contains("broken.jpg"));
    openImage(image("fruits.jpg"));
    QVERIFY(!window_->resultsPanel()->predictions().empty());
  }

  void aBrokenModelIsReportedAndTheCurrentModelStays() {
    openModel(fixture("hf_vit"));
    const QString bad = path("bad_model");
    QDir().mkpath(bad);
    QFile config(bad + "/config.json");
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("{ not json");
    config.close();
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    window_->openModel(bad);
    QVERIFY(errors.wait(kTimeoutMs));
    QVERIFY(window_->lastError().contains("config.json"));
    openImage(image("baboon.png"));
    QCOMPARE(window_->currentResult()->model->path, fixture("hf_vit").toStdString());
  }

  void arrowKeysWalkTheFolderInNaturalOrder() {
    openModel(fixture("hf_vit"));
    const QString folder = path("walk");
    QDir().mkpath(folder);
    for (const char* name : {"img10.png", "img2.png", "img1.png"}) QFile::copy(image("baboon.png"), folder + "/" + name);
    QSignalSpy shown(window_.get(), &MainWindow::imageShown);
    window_->openFolder(folder);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(QFileInfo(window_->currentPath()).fileName(), QString("img1.png"));
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    const auto name = [this] { return QFileInfo(window_->currentPath()).fileName(); };
    QTest::keyClick(window_.get(), Qt::Key_Right);
    QCOMPARE(name(), QString("img2.png"));
    QTest::keyClick(window_.get(), Qt::Key_End);
    QCOMPARE(name(), QString("img10.png"));
    QTest::keyClick(window_.get(), Qt::Key_Right);  // stays on the last
    QCOMPARE(name(), QString("img10.png"));
    QTest::keyClick(window_.get(), Qt::Key_Left);
    QCOMPARE(name(), QString("img2.png"));
    QTest::keyClick(window_.get(), Qt::Key_Home);
    QCOMPARE(name(), QString("img1.png"));
  }

  void zoomShortcutsAndTheWheelZoomTheCanvas() {
    openModel(fixture("hf_vit"));
    openImage(image("baboon.png"));
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    ImageCanvas* canvas = window_->canvas();
    QTest::keyClick(window_.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(canvas->transform().deviceScale(), 1.0);
    QTest::keyClick(window_.get(), Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(canvas->transform().zoom(), 1.0);
    const QPointF cursor(canvas->width() * 0.3, canvas->height() * 0.6);
    const QPointF under = canvas->transform().mapToImagePixel(cursor);
    QWheelEvent wheel(cursor, canvas->mapToGlobal(cursor), {}, {0, 480}, Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(canvas, &wheel);
    QVERIFY(canvas->transform().zoom() > 1.5);
    const QPointF after = canvas->transform().mapToImagePixel(cursor);
    QVERIFY(qAbs(after.x() - under.x()) < 1e-6 && qAbs(after.y() - under.y()) < 1e-6);
  }

  void droppingAnImageOpensIt() {
    openModel(fixture("hf_vit"));
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(image("photo.bmp"))});
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &drop);
    QVERIFY(shown.wait(kTimeoutMs));
    QVERIFY(window_->currentPath().endsWith("photo.bmp"));
  }

  void changingTheDeviceRunsTheImageAgain() {
    openModel(fixture("hf_vit"));
    openImage(image("fruits.jpg"));
    QSignalSpy shown(window_.get(), &MainWindow::resultShown);
    window_->setDevice("cpu");
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(settings_->value(key::kDevice).toString(), QString("cpu"));
  }

  void attentionSettingsPersistAcrossRuns() {
    openModel(fixture("hf_vit"));
    AttentionSettings s = settings();
    s.method = AttentionMethod::Mask;
    s.colormap = Colormap::Magma;
    window_->attentionPanel()->setSettings(s);
    window_->close();
    Settings reopened(settingsPath());
    QCOMPARE(reopened.value(key::kMethod).toString(), QString("mask"));
    QCOMPARE(reopened.value(key::kColormap).toString(), QString("magma"));
    QCOMPARE(reopened.value(key::kLastModel).toString(), fixture("hf_vit"));
  }

  void aStoredLayerAndHeadAreShownWhenTheModelOpens() {
    settings_->setValue(key::kLayer, 0);
    settings_->setValue(key::kHead, 3);
    settings_->setValue(key::kMethod, "mask");
    openModel(fixture("hf_vit"));
    QCOMPARE(settings().layer, 0);
    QCOMPARE(settings().head, 3);
    QCOMPARE(settings().method, AttentionMethod::Mask);
    settings_->setValue(key::kHead, 7);  // more heads than hf_deit_distilled's 3
    openModel(fixture("hf_deit_distilled"));
    QCOMPARE(settings().head, -1);
  }

  void aLiveVideoShowsFramesDetectionsAndAttentionAndRecords() {
    openModel(demo("fashion-yolos"));
    const QString video = path("scenes.avi"), recorded = path("live.mp4");
    vitlens::test::write_scene_video(video.toStdString(), 40, 20, 1);
    QSignalSpy results(window_.get(), &MainWindow::resultShown);
    QSignalSpy stopped(window_->liveMode(), &LiveMode::stopped);
    startLive(video);
    QVERIFY(window_->liveMode()->controller()->startRecording(recorded, false));
    QVERIFY(results.wait(kTimeoutMs));
    QVERIFY(window_->canvas()->hasImage());
    QCOMPARE(window_->currentPath(), video);
    QVERIFY(!window_->detections().empty());  // every sample scene holds items the detector finds
    QCOMPARE(window_->detectionList()->count(), static_cast<int>(window_->detections().size()));
    QVERIFY(!window_->heatmap().isNull());
    QVERIFY(window_->findChild<QLabel*>("live_status")->isVisible());

    const QStringList files = window_->liveMode()->snapshot(dir_.path());
    QVERIFY(files.size() >= 5);  // frame, view, overlay, .npy + .json, detections
    for (const QString& f : files) QVERIFY2(QFileInfo::exists(f), qPrintable(f));

    QVERIFY(stopped.wait(kTimeoutMs));  // the file plays to its end
    QVERIFY(!window_->liveMode()->running());
    QVERIFY(window_->lastError().isEmpty());
    const int frames = vitlens::test::count_frames(recorded.toStdString());
    QVERIFY(frames > 0 && frames <= 40);
  }

  void pausingLiveHoldsTheFrameAndSwitchingModelsKeepsTheSourceOpen() {
    openModel(demo("fashion-yolos"));
    const QString video = path("scenes.avi");
    vitlens::test::write_scene_video(video.toStdString(), 200, 20, 1);
    QSignalSpy frames(window_.get(), &MainWindow::liveFrameShown);
    startLive(video);
    QVERIFY(frames.wait(kTimeoutMs));
    window_->liveMode()->controller()->setPaused(true);
    QTest::qWait(300);  // a frame already handed over may still arrive
    const LiveStats paused = window_->liveMode()->controller()->stats();
    QTest::qWait(400);
    QCOMPARE(window_->liveMode()->controller()->stats().captured, paused.captured);
    window_->liveMode()->controller()->setPaused(false);

    QSignalSpy results(window_.get(), &MainWindow::resultShown);
    openModel(demo("fashion-vit"));  // a classifier now, on the same open source
    QVERIFY(window_->liveMode()->running());
    QVERIFY(results.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!window_->currentResult()->model->has_detector(), kTimeoutMs);
    QVERIFY(!window_->resultsPanel()->predictions().empty());
    window_->liveMode()->stop();
    QVERIFY(!window_->liveMode()->running());
  }

  void aLiveSourceFailingMidStreamIsReportedAndTheAppKeepsWorking() {
    openModel(demo("fashion-yolos"));
    const QString whole = path("whole.avi"), cut = path("cut.avi");
    vitlens::test::write_scene_video(whole.toStdString(), 40, 100, 1);
    vitlens::test::write_truncated_copy(whole.toStdString(), cut.toStdString(), 0.5);
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    startLive(cut);
    QVERIFY(errors.wait(kTimeoutMs));
    QVERIFY(errors.first().first().toString().contains("truncated"));
    QVERIFY(!window_->liveMode()->running());
    window_->liveMode()->start(path("missing.mp4"));  // opened off the UI thread, then reported
    QVERIFY(errors.wait(kTimeoutMs));
    QVERIFY(window_->lastError().contains("missing.mp4"));
    QVERIFY(!window_->liveMode()->running());
    openImage(image("fruits.jpg"));  // still works
  }
};

QTEST_MAIN(GuiWindowTests)
#include "gui_window_tests.moc"
