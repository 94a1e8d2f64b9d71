// The GUI's non-widget logic: the canvas transform chain, natural sort, patch picking,
// export naming and the settings registry.
#include <QTemporaryDir>
#include <QtTest>

#include "canvas/canvas_transform.hpp"
#include "canvas/patch_geometry.hpp"
#include "compare/compare_pair.hpp"
#include "export/batch_export.hpp"
#include "export/export_files.hpp"
#include "folder/folder_model.hpp"
#include "folder/thumbnail_cache.hpp"
#include "inference/attention_analysis.hpp"
#include "inference/inference_run.hpp"
#include "inference/inference_worker.hpp"
#include "panels/attention_settings.hpp"
#include "shell/launch_options.hpp"
#include "shell/settings.hpp"
#include "support/random_model.hpp"
#include "vitlens/analysis/features.hpp"
#include "vitlens/analysis/grid.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/model/model.hpp"

using namespace vitlens;
using namespace vitlens::gui;

class GuiLogicTests : public QObject {
  Q_OBJECT

 private slots:
  void fitShowsTheWholeImageCentred() {
    CanvasTransform t;
    t.setImageSize({400, 200});
    t.setViewSize({800, 800});
    t.fit();
    QCOMPARE(t.scale(), 2.0);
    QCOMPARE(t.mapToView({0, 0}), QPointF(0, 200));
    QCOMPARE(t.mapToView({400, 200}), QPointF(800, 600));
  }

  void zoomKeepsTheImagePointUnderTheCursor() {
    CanvasTransform t;
    t.setImageSize({640, 480});
    t.setViewSize({800, 600});
    t.fit();
    const QPointF cursor(123, 456);
    const QPointF under = t.mapToImagePixel(cursor);
    t.zoomAt(3.0, cursor);
    QCOMPARE(t.zoom(), 3.0);
    const QPointF after = t.mapToImagePixel(cursor);
    QVERIFY(qAbs(after.x() - under.x()) < 1e-9 && qAbs(after.y() - under.y()) < 1e-9);
  }

  void actualSizeMeansOneImagePixelPerDevicePixel() {
    CanvasTransform t;
    t.setImageSize({1000, 1000});
    t.setViewSize({500, 500});
    t.setDevicePixelRatio(2);
    t.actualSize();
    QCOMPARE(t.deviceScale(), 1.0);
    QCOMPARE(t.scale(), 0.5);
  }

  void panMovesTheImageAndMappingRoundTrips() {
    CanvasTransform t;
    t.setImageSize({300, 200});
    t.setViewSize({600, 400});
    t.fit();
    t.pan({10, -20});
    QCOMPARE(t.mapToView({150, 100}), QPointF(310, 180));
    const QPointF p(37.5, 12.25);
    const QPointF back = t.mapToImagePixel(t.mapToView(p));
    QVERIFY(qAbs(back.x() - p.x()) < 1e-9 && qAbs(back.y() - p.y()) < 1e-9);
  }

  void naturalSortOrdersNumbersByValueIgnoringCase() {
    const QStringList sorted = FolderModel::naturalSorted({"img10.png", "IMG2.png", "img1.png", "img1b.png", "a.png"});
    QCOMPARE(sorted, QStringList({"a.png", "img1.png", "img1b.png", "IMG2.png", "img10.png"}));
  }

  void aLargeFolderIsListedOffTheUiThreadInNaturalOrder() {
    QTemporaryDir dir;
    constexpr int kFiles = 5000;
    for (int i = kFiles; i >= 1; --i) QFile(dir.filePath(QString("frame%1.jpg").arg(i))).open(QIODevice::WriteOnly);
    QFile(dir.filePath("notes.txt")).open(QIODevice::WriteOnly);
    ThumbnailCache thumbnails;
    FolderModel model(&thumbnails);
    QSignalSpy listed(&model, &FolderModel::listed);
    QElapsedTimer timer;
    timer.start();
    model.setFolder(dir.path());
    QVERIFY(timer.elapsed() < 50);  // returns at once; the listing arrives later
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(listed.wait(10000));
    QCOMPARE(model.rowCount(), kFiles);  // images only
    QCOMPARE(QFileInfo(model.path(0)).fileName(), QString("frame1.jpg"));
    QCOMPARE(QFileInfo(model.path(9)).fileName(), QString("frame10.jpg"));
    QCOMPARE(model.row(dir.filePath("frame10.jpg")), 9);
  }

  void theThumbnailCacheStaysWithinItsBudget() {
    QTemporaryDir dir;
    QImage picture(400, 300, QImage::Format_RGB32);
    picture.fill(Qt::darkCyan);
    const QSize size(64, 48);
    const qint64 budget = 64 * 48 * 4 * 5;  // five thumbnails
    ThumbnailCache cache(size, budget);
    QSignalSpy ready(&cache, &ThumbnailCache::ready);
    for (int i = 0; i < 12; ++i) {
      const QString path = dir.filePath(QString("%1.png").arg(i));
      picture.save(path);
      QVERIFY(cache.thumbnail(path).isNull());  // made off the UI thread
    }
    while (ready.count() < 12) QVERIFY(ready.wait(10000));
    QVERIFY(cache.cachedBytes() <= budget);
    const QImage last = cache.thumbnail(dir.filePath("11.png"));
    QCOMPARE(last.size(), size);
  }

  void aClickMapsToThePatchUnderItThroughTheCrop() {
    auto model = std::make_shared<Model>();
    model->config.patch_size = 16;
    model->preprocess.do_resize = true;
    model->preprocess.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    model->preprocess.shortest_edge = 64;
    model->preprocess.do_center_crop = true;
    model->preprocess.crop_width = model->preprocess.crop_height = 64;
    InferenceResult r;
    r.model = model;
    r.preprocess = model->preprocess;
    r.rgb = cv::Mat(100, 200, CV_8UC3);  // resized to 128 x 64, cropped at x = 32
    r.layout.grid_h = r.layout.grid_w = 4;
    QVERIFY(!patch_at(r, {10, 50}));  // in the left margin the crop cut off
    const std::optional<QueryToken> p = patch_at(r, {100, 80});
    QVERIFY(p);
    QCOMPARE(p->kind, QueryToken::Kind::Patch);
    QCOMPARE(p->index, 3);   // y 80 -> resized 51.2 -> row 3
    QCOMPARE(p->column, 2);  // x 100 -> resized 64, minus the crop's 32 -> column 2
  }

  void anInputTooLargeToKeepEveryRowKeepsThePrefixAndRequestedRows() {
    auto model = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/hf_vit"));
    Session session(model, choose_device("cpu"));
    const cv::Mat rgb = load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg");
    const QueryToken patch = QueryToken::parse("patch:1,2");
    const AttentionAnalysis analysis(run_inference(model, session, "fruits.jpg", rgb, {{patch}, {}, 0.0, {}, {}}));
    QVERIFY(!analysis.result().all_rows);
    QCOMPARE(analysis.result().output.attention_queries, std::vector<int>({0, 7}));  // CLS and patch (1, 2)
    AttentionSettings s;
    QVERIFY(analysis.unavailable(s).isEmpty());
    QCOMPARE(analysis.map(s).size(), cv::Size(4, 4));
    s.query = patch;
    QVERIFY(analysis.unavailable(s).isEmpty());
    s.query = QueryToken::parse("patch:3,3");
    QVERIFY(analysis.unavailable(s).contains("not kept"));
    s.query = {};
    s.method = AttentionMethod::Rollout;
    QVERIFY(analysis.unavailable(s).contains("rollout"));
  }

  void siglipsProbeMapAndTheRegistersShareComeFromTheStoredRun() {
    const cv::Mat rgb = load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg");
    auto siglip = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/families/hf_siglip"));
    Session siglip_session(siglip, choose_device("cpu"));
    const AttentionAnalysis probe_run(run_inference(siglip, siglip_session, "fruits.jpg", rgb));
    AttentionSettings s;
    s.query = QueryToken::parse("probe");
    QVERIFY2(probe_run.unavailable(s).isEmpty(), qPrintable(probe_run.unavailable(s)));
    QCOMPARE(probe_run.map(s).size(), cv::Size(4, 4));
    QVERIFY(std::abs(probe_run.share(s)->patches - 1.0) < 1e-5);
    s.method = AttentionMethod::Rollout;
    QVERIFY(probe_run.unavailable(s).contains("probe is no token"));

    auto registers = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/families/hf_dinov2_reg_swiglu"));
    Session register_session(registers, choose_device("cpu"));
    InputOptions small;
    small.size = parse_input_size("32");
    const AttentionAnalysis register_run(run_inference(registers, register_session, "fruits.jpg", rgb, {{}, {}, 0.0, small, {}}));
    AttentionSettings cls;
    const std::optional<AttentionShare> share = register_run.share(cls);
    QVERIFY(share);
    QVERIFY(share->registers > 0 && share->registers < share->prefix);
    QVERIFY(std::abs(share->prefix + share->patches - 1.0) < 1e-5);
  }

  void relevanceOfAClickedClassComesFromTheBackwardPassOfThatClass() {
    auto model = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/hf_vit"));
    Session session(model, choose_device("cpu"));
    const cv::Mat rgb = load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg");
    AttentionSettings s;
    s.method = AttentionMethod::Relevance;
    s.target_class = 2;
    const AttentionAnalysis plain(run_inference(model, session, "fruits.jpg", rgb));
    QVERIFY(plain.needsRun(s));
    QVERIFY(plain.unavailable(s).contains("not computed"));

    const AttentionAnalysis explained(run_inference(model, session, "fruits.jpg", rgb, {{}, {}, kDefaultAttentionBudgetBytes, {}, s}));
    QVERIFY2(explained.unavailable(s).isEmpty(), qPrintable(explained.unavailable(s)));
    QVERIFY(!explained.needsRun(s));
    QCOMPARE(explained.explained_class(s), QString("class 2, red fox"));
    const Tensor pixels = preprocess(rgb, model->preprocess);
    const AttentionMaps expected = relevance_maps(make_reference_backend(model)->explain(pixels, {2, -1}), explained.result().layout, {});
    const cv::Mat difference = cv::abs(explained.map(s) - expected.map(0, 0, 0));
    QVERIFY(cv::countNonZero(difference > 1e-6) == 0);

    AttentionSettings other = s;
    other.target_class = 4;
    QVERIFY(explained.needsRun(other));
    other.method = AttentionMethod::Gradcam;
    other.target_class = 2;
    QVERIFY(explained.unavailable(other).isEmpty());  // the same backward pass serves Grad-CAM
    QCOMPARE(explained.map(other).size(), cv::Size(4, 4));
  }

  void theFeatureSimilarityViewComparesTheClickedPatchWithEveryOther() {
    auto model = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/hf_vit"));
    Session session(model, choose_device("cpu"));
    const AttentionAnalysis analysis(
        run_inference(model, session, "fruits.jpg", load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg")));
    AttentionSettings s;
    s.method = AttentionMethod::Similarity;
    QVERIFY(analysis.unavailable(s).contains("click a patch"));
    s.query = QueryToken::parse("patch:1,2");
    QVERIFY(analysis.unavailable(s).isEmpty());
    const cv::Mat map = analysis.map(s);
    QCOMPARE(map.size(), cv::Size(4, 4));
    QVERIFY(std::abs(map.at<float>(1, 2) - 1.0f) < 1e-5f);  // a patch is its own most similar
    const Tensor expected = patch_similarity(patch_features(analysis.result().output.hidden_state, analysis.result().layout),
                                             analysis.result().layout, 1, 2);
    QVERIFY(std::abs(map.at<float>(3, 0) - expected.data[12]) < 1e-6f);
    QCOMPARE(analysis.stack(s).method, std::string("similarity"));
  }

  void thePcaFeaturesViewShowsTheEnginesPcaColoursOfThatImageOnAnyGrid() {
    // Registers and a non-square grid: the view must take the patches, not the prefix.
    auto model = std::make_shared<const Model>(load_model(VITLENS_SOURCE_DIR "/tests/fixtures/families/hf_dinov2_reg_swiglu"));
    Session session(model, choose_device("cpu"));
    const cv::Mat rgb = load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg");
    InputOptions wide;
    wide.size = parse_input_size("24x40");
    const AttentionAnalysis analysis(run_inference(model, session, "fruits.jpg", rgb, {{}, {}, kDefaultAttentionBudgetBytes, wide, {}}));
    const TokenLayout& layout = analysis.result().layout;
    QCOMPARE(layout.grid_h, 3);
    QCOMPARE(layout.grid_w, 5);
    AttentionSettings s;
    s.method = AttentionMethod::Pca;
    QVERIFY(analysis.unavailable(s).isEmpty());
    QVERIFY(!analysis.needsRun(s));
    QVERIFY(!analysis.share(s));

    const Tensor expected = pca_projections(patch_features(analysis.result().output.hidden_state, layout), layout);
    const cv::Mat first = analysis.map(s);
    QCOMPARE(first.size(), cv::Size(5, 3));
    for (int p = 0; p < 15; ++p) QVERIFY(std::abs(first.at<float>(p / 5, p % 5) - expected.data[static_cast<size_t>(p) * 3]) < 1e-6f);

    const cv::Mat picture = analysis.heatmap(s, rgb.size());
    QCOMPARE(picture.type(), CV_8UC3);
    const cv::Mat engine = pca_picture(expected, {}, rgb.size(), analysis.result().preprocess, rgb.size());
    QCOMPARE(cv::norm(picture, engine, cv::NORM_INF), 0.0);
    std::vector<cv::Mat> channels;
    cv::split(picture, channels);
    QVERIFY(cv::norm(channels[0], channels[1], cv::NORM_INF) > 0 && cv::norm(channels[1], channels[2], cv::NORM_INF) > 0);
    const cv::Mat layer = analysis.layer(first, s, rgb.size());
    QCOMPARE(layer.type(), CV_8UC4);
    std::vector<cv::Mat> rgba;
    cv::split(layer, rgba);
    QCOMPARE(cv::norm(rgba[0], channels[0], cv::NORM_INF), 0.0);

    const AttentionMaps stack = analysis.stack(s);
    QCOMPARE(stack.method, std::string("pca"));
    QCOMPARE(stack.values.shape, std::vector<int64_t>({1, 3, 1, 3, 5}));
    QVERIFY(std::abs(stack.map(0, 2, 0).at<float>(2, 4) - expected.data[14 * 3 + 2]) < 1e-6f);
    QCOMPARE(analysis.grid(s, 64).column_labels.size(), size_t(3));

    // The foreground threshold leaves the background patches out of the PCA and clear.
    s.foreground = 0.5;
    const cv::Mat keep = pca_foreground(expected, 0.5f);
    QVERIFY(cv::countNonZero(keep) < 15);
    std::vector<cv::Mat> masked;
    cv::split(analysis.layer(analysis.map(s), s, rgb.size()), masked);
    cv::Mat kept, covered;
    keep.convertTo(kept, CV_32F);
    upsample_to_image(kept, rgb.size(), analysis.result().preprocess, Upsampling::Nearest, rgb.size()).convertTo(covered, CV_8U, 255);
    QCOMPARE(cv::norm(masked[3], covered, cv::NORM_INF), 0.0);
    QVERIFY(cv::countNonZero(masked[3] == 0) > 0);

    // No prefix at all (SigLIP) and detection tokens after the patches (YOLOS).
    for (const char* other : {"/tests/fixtures/families/hf_siglip", "/tests/fixtures/yolos/yolos_coco"}) {
      auto m = std::make_shared<const Model>(load_model(std::string(VITLENS_SOURCE_DIR) + other));
      Session other_session(m, choose_device("cpu"));
      const AttentionAnalysis a(run_inference(m, other_session, "fruits.jpg", rgb));
      AttentionSettings pca;
      pca.method = AttentionMethod::Pca;
      QVERIFY2(a.unavailable(pca).isEmpty(), other);
      QCOMPARE(a.map(pca).size(), cv::Size(a.result().layout.grid_w, a.result().layout.grid_h));
      QCOMPARE(a.heatmap(pca, rgb.size()).size(), rgb.size());
    }
  }

  void theComparePairComputesTwoMapsEachFromARunThatHoldsItAndExportsThemSideBySide() {
    InferenceWorker worker;
    QSignalSpy ready(&worker, &InferenceWorker::modelReady);
    worker.loadModel(VITLENS_SOURCE_DIR "/tests/fixtures/hf_vit", "cpu");
    QVERIFY(ready.wait(60000));
    const cv::Mat rgb = load_image_rgb(VITLENS_SOURCE_DIR "/tests/fixtures/images/fruits.jpg");
    const auto base = run_inference(worker.model(), *worker.session(), "fruits.jpg", rgb);
    ComparePair pair(&worker);
    AttentionSettings raw;
    raw.layer = 1;
    AttentionSettings relevance = raw;
    relevance.method = AttentionMethod::Relevance;
    relevance.target_class = 2;
    pair.setSettings(0, raw);
    pair.setSettings(1, relevance);
    pair.setResult(base);
    QVERIFY(pair.computing(0) && pair.computing(1));  // off the UI thread
    QTRY_VERIFY_WITH_TIMEOUT(!pair.computing(0) && !pair.computing(1), 60000);

    const CompareMap& left = *pair.map(0);
    const CompareMap& right = *pair.map(1);
    QVERIFY2(left.error.isEmpty() && right.error.isEmpty(), qPrintable(left.error + right.error));
    QCOMPARE(left.result, base);  // the window's run holds raw attention
    QCOMPARE(cv::norm(left.map, AttentionAnalysis(base).map(raw), cv::NORM_INF), 0.0);
    QVERIFY(right.result != base);  // relevance needed a backward pass of its own
    QCOMPARE(cv::norm(right.map, AttentionAnalysis(right.result).map(relevance), cv::NORM_INF), 0.0);
    QVERIFY(right.caption.contains("class 2, red fox"));
    QVERIFY(left.share && !right.share);  // where a raw row goes; relevance is no one row
    QVERIFY(cv::norm(left.map, right.map, cv::NORM_INF) > 0);
    QCOMPARE(left.overlay.size(), rgb.size());

    const cv::Mat image = pair.pairImage();
    const CaptionedRow row = captioned_row({left.overlay, right.overlay}, {left.caption.toStdString(), right.caption.toStdString()});
    QVERIFY(image.cols > 2 * rgb.cols && image.rows > rgb.rows);
    QCOMPARE(cv::norm(image(row.cells[0]), left.overlay, cv::NORM_INF), 0.0);
    QCOMPARE(cv::norm(image(row.cells[1]), right.overlay, cv::NORM_INF), 0.0);

    // Another layer of raw attention on the right comes from the window's run again.
    AttentionSettings first = raw;
    first.layer = 0;
    pair.setSettings(1, first);
    QTRY_VERIFY_WITH_TIMEOUT(!pair.computing(1), 60000);
    QCOMPARE(pair.map(1)->result, base);
    QVERIFY(cv::norm(pair.map(1)->map, left.map, cv::NORM_INF) > 0);
  }

  void rolloutOverTheBudgetIsAccumulatedLayerByLayerAndEqualsTheRolloutOfEveryRow() {
    test::RandomVitSpec spec;
    spec.layers = 6;
    const std::shared_ptr<Model> model = test::random_vit(spec);  // 4 heads
    model->preprocess.height = model->preprocess.width = 32;     // 17 tokens
    Session session(model, choose_device("cpu"));
    const cv::Mat rgb(32, 32, CV_8UC3, cv::Scalar(40, 160, 90));
    AttentionSettings s;
    s.method = AttentionMethod::Rollout;
    s.query = QueryToken::parse("patch:2,1");
    s.head = 1;
    s.discard = 0.2;
    s.layer = 3;
    // Every row: 6 x 4 x 17^2 x 4 bytes = 27,744; one layer streamed into a rollout: 25,432.
    const AttentionAnalysis all(run_inference(model, session, "a", rgb, {{}, s, 1e9, {}, {}}));
    const AttentionAnalysis streamed(run_inference(model, session, "a", rgb, {{}, s, 26000, {}, {}}));
    QVERIFY(all.result().all_rows);
    QVERIFY(!streamed.result().all_rows);
    QVERIFY2(streamed.unavailable(s).isEmpty(), qPrintable(streamed.unavailable(s)));
    QVERIFY(!streamed.needsRun(s));
    QCOMPARE(streamed.result().output.attention_queries, std::vector<int>({0, 10}));  // CLS and the query
    const cv::Mat difference = cv::abs(streamed.map(s) - all.map(s));
    QVERIFY(cv::norm(difference, cv::NORM_INF) < 1e-6);
    const std::vector<float> a = streamed.stack(s).values.data, b = all.stack(s).values.data;
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY(std::abs(a[i] - b[i]) < 1e-6f);
    QCOMPARE(streamed.grid(s, 24).image.size(), all.grid(s, 24).image.size());
    AttentionSettings other = s;
    other.discard = 0.3;
    QVERIFY(streamed.unavailable(other).contains("rollout"));
    QVERIFY(streamed.needsRun(other));  // the window runs the image again for these settings
    const AttentionAnalysis too_small(run_inference(model, session, "a", rgb, {{}, s, 1000, {}, {}}));
    QVERIFY(too_small.unavailable(s).contains("memory budget"));
    QVERIFY(!too_small.needsRun(s));
  }

  void captionsNameTheLayerAndHeadOnlyWhereTheyChooseTheMap() {
    AttentionSettings s;
    s.layer = 3;
    s.head = 1;
    QCOMPARE(describe(s), QString("layer 3, head 1, raw, query cls"));
    s.method = AttentionMethod::Relevance;
    s.target_class = 2;
    QCOMPARE(describe(s), QString("relevance of class 2, query cls"));
    s.method = AttentionMethod::Gradcam;
    s.target_class = -1;
    QCOMPARE(describe(s), QString("gradcam of the top class, query cls"));
    s.method = AttentionMethod::Pca;
    QCOMPARE(describe(s), QString("layer 3, pca, query cls"));
  }

  void exportNamesSayWhatTheFileHolds() {
    AttentionSettings s;
    s.layer = 3;
    s.head = 1;
    s.query = QueryToken::parse("patch:2,5");
    QCOMPARE(export_file_name(ExportKind::Overlay, "cat", s), QString("cat_raw_patch2-5_L3_H1_overlay.png"));
    s.head = -1;
    s.fusion = HeadFusion::Max;
    s.method = AttentionMethod::Rollout;
    QCOMPARE(export_file_name(ExportKind::Heatmap, "cat", s), QString("cat_rollout_patch2-5_L3_max_heatmap.png"));
    QCOMPARE(export_file_name(ExportKind::Npy, "cat", s), QString("cat_rollout_patch2-5.npy"));
    QCOMPARE(export_outputs(ExportKind::Npy, "/out/cat_rollout_patch2-5.npy"),
             QStringList({"/out/cat_rollout_patch2-5.npy", "/out/cat_rollout_patch2-5.json"}));
  }

  void imagesSharingABaseNameGetTheirWholeFileNameAsStem() {
    QCOMPARE(output_stems({"/a/photo.bmp", "/b/photo.tiff", "/a/cat.jpg"}), QStringList({"photo.bmp", "photo.tiff", "cat"}));
  }

  void theCommandLineGivesModelDeviceScreenshotAndPaths() {
    const auto parsed = parse_launch_options({"vitlens", "--model", "m", "-d", "cpu", "--screenshot", "s.png", "a.jpg", "dir"});
    const LaunchOptions* options = std::get_if<LaunchOptions>(&parsed);
    QVERIFY(options);
    QCOMPARE(options->model, QString("m"));
    QCOMPARE(options->device, QString("cpu"));
    QCOMPARE(options->screenshot, QString("s.png"));
    QCOMPARE(options->paths, QStringList({"a.jpg", "dir"}));
    QCOMPARE(std::get<int>(parse_launch_options({"vitlens", "--bogus"})), 2);
    QCOMPARE(std::get<int>(parse_launch_options({"vitlens", "--screenshot", "s.png"})), 2);  // nothing to show
    const auto live = parse_launch_options({"vitlens", "--live", "0", "--screenshot", "s.png"});
    QVERIFY(std::holds_alternative<LaunchOptions>(live));
    QCOMPARE(std::get<LaunchOptions>(live).live, QString("0"));
  }

  void settingsFallBackToDefaultsAndPersist() {
    QTemporaryDir dir;
    const QString ini = dir.filePath("settings.ini");
    {
      Settings settings(ini);
      QCOMPARE(settings.value(key::kMethod).toString(), QString("raw"));
      QCOMPARE(settings.value(key::kOpacity).toDouble(), 0.55);
      QSignalSpy changed(&settings, &Settings::changed);
      settings.setValue(key::kMethod, "rollout");
      settings.setValue(key::kOpacity, 0.8);
      QCOMPARE(changed.count(), 2);
    }
    Settings reopened(ini);
    QCOMPARE(reopened.value(key::kMethod).toString(), QString("rollout"));
    QCOMPARE(reopened.value(key::kOpacity).toDouble(), 0.8);
    QCOMPARE(reopened.value(key::kKeepZoom).metaType(), QMetaType::fromType<bool>());
  }
};

QTEST_GUILESS_MAIN(GuiLogicTests)
#include "gui_logic_tests.moc"
