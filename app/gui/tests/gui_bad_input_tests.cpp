// The bad-input catalogue (tests/bad_inputs/catalogue.json) through the app's open paths:
// every model, image and video the engine refuses is reported (errorShown, naming the file),
// nothing crashes, and the window still opens a good model and image afterwards.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include "bad_inputs/make_input.hpp"
#include "live/live_mode.hpp"
#include "shell/main_window.hpp"
#include "shell/settings.hpp"
#include "window_harness.hpp"

using namespace vitlens::gui;
using namespace vitlens::gui::test;
namespace bad = vitlens::test::bad_inputs;

class GuiBadInputTests : public QObject {
  Q_OBJECT

  QTemporaryDir temp_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<MainWindow> window_;

  // Opens `input` the way the entry's engine function reads it; true once the window reported
  // an error naming `names` and containing `error`.
  bool reported(const std::string& api, const QString& input, const QString& names, const QString& error) {
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    if (api == "load_model") window_->openModel(input);
    if (api == "load_image") window_->openImage(input);
    if (api == "video") window_->liveMode()->start(input);
    if (!errors.wait(kTimeoutMs)) return false;
    return window_->lastError().contains(names) && window_->lastError().contains(error);
  }

 private slots:
  void init() {
    settings_ = std::make_unique<Settings>(temp_.filePath("settings.ini"));
    settings_->setValue(key::kDevice, "cpu");
    window_ = std::make_unique<MainWindow>(settings_.get());
    window_->resize(1200, 800);
    window_->show();
  }

  void cleanup() {
    window_.reset();
    settings_.reset();
  }

  void everyRefusedCatalogueInputIsReportedAndTheWindowKeepsWorking() {
    QVERIFY(open_model(*window_, fixture("hf_vit")));
    int number = 0;
    for (const auto& item : bad::catalogue()) {
      if (!item.contains("api") || item["exit"] == 0) continue;
      if (item.value("skip_as_root", false) && geteuid() == 0) continue;
      const std::string api = item["api"];
      const std::filesystem::path dir = std::filesystem::path(temp_.path().toStdString()) / ("entry" + std::to_string(number++));
      std::filesystem::create_directories(dir);
      const std::string input = bad::make_input(dir, item);
      const std::string source = item.value("source", input);
      const std::string names = item.value("names", std::filesystem::path(source).filename().string());
      QVERIFY2(reported(api, QString::fromStdString(source), QString::fromStdString(names), QString::fromStdString(item["error"])),
               qPrintable(QString::fromStdString(item["name"].get<std::string>()) + ": " + window_->lastError()));
    }
    QVERIFY(!window_->liveMode()->running());
    QVERIFY2(open_model(*window_, fixture("hf_vit")), qPrintable(window_->lastError()));
    QVERIFY2(open_image(*window_, image("fruits.jpg")), qPrintable(window_->lastError()));
  }
};

QTEST_MAIN(GuiBadInputTests)
#include "gui_bad_input_tests.moc"
