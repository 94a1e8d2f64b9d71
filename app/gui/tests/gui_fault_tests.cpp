// Failures in the middle of the app's work: a lost device and a failed device allocation
// (injected with the engine's test hook) and an export to a full disk are each reported in the
// window, and the window keeps working afterwards.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "export/export_files.hpp"
#include "shell/main_window.hpp"
#include "shell/settings.hpp"
#include "support/small_disk.hpp"
#include "support/vulkan_device.hpp"
#include "vitlens/util/fault_injection.hpp"
#include "window_harness.hpp"

using namespace vitlens::gui;
using namespace vitlens::gui::test;

class GuiFaultTests : public QObject {
  Q_OBJECT

  QTemporaryDir temp_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<MainWindow> window_;

  // Opens `path`; true once the window reported an error containing `error`.
  bool reported(const QString& path, const QString& error) {
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    window_->openImage(path);
    if (!errors.wait(kTimeoutMs)) return false;
    return window_->lastError().contains(error);
  }

  void open_window(const QString& device) {
    settings_ = std::make_unique<Settings>(temp_.filePath("settings.ini"));
    settings_->setValue(key::kDevice, device);
    window_ = std::make_unique<MainWindow>(settings_.get());
    window_->resize(1200, 800);
    window_->show();
  }

 private slots:
  void cleanup() {
    vitlens::clear_faults();
    window_.reset();
    settings_.reset();
  }

  void aLostDeviceAndAFailedAllocationAreReportedAndTheNextImageRuns() {
    const auto device = vitlens::test::first_vulkan_device();
    if (!device) QSKIP("no Vulkan device");
    open_window(QString::fromStdString(device->id()));
    QVERIFY2(open_model(*window_, fixture("hf_vit")), qPrintable(window_->lastError()));
    QVERIFY2(open_image(*window_, image("fruits.jpg")), qPrintable(window_->lastError()));

    vitlens::inject_fault(vitlens::Fault::DeviceLost, 1);
    QVERIFY2(reported(image("baboon.png"), "VK_ERROR_DEVICE_LOST"), qPrintable(window_->lastError()));
    QVERIFY2(window_->lastError().contains(QString::fromStdString(device->name)), qPrintable(window_->lastError()));
    // The session starts the device again on the next run; its first allocation fails.
    vitlens::inject_fault(vitlens::Fault::Allocation, 1);
    QVERIFY2(reported(image("fruits.jpg"), "could not allocate"), qPrintable(window_->lastError()));
    QVERIFY2(open_image(*window_, image("baboon.png")), qPrintable(window_->lastError()));
    QVERIFY(window_->currentResult());
  }

  void anExportToAFullDiskIsReportedLeavesNoPartialFileAndTheNextExportWorks() {
    const vitlens::test::SmallDisk disk("vitlens_small_disk_gui", "16k");
    if (!disk.mounted()) QSKIP("mounting a tmpfs is not permitted here");
    open_window("cpu");
    QVERIFY2(open_model(*window_, fixture("hf_vit")), qPrintable(window_->lastError()));
    QVERIFY2(open_image(*window_, image("baboon.png")), qPrintable(window_->lastError()));
    const QString kept = QString::fromStdString((disk.path() / "view.png").string());
    std::ofstream(kept.toStdString(), std::ios::binary) << "an export from before";

    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    QVERIFY(!window_->exportCurrent(ExportKind::View, kept, true));
    QVERIFY(errors.count() == 1);
    QVERIFY2(window_->lastError().contains("the disk is full"), qPrintable(window_->lastError()));
    std::ifstream in(kept.toStdString(), std::ios::binary);
    std::ostringstream now;
    now << in.rdbuf();
    QCOMPARE(QString::fromStdString(now.str()), QString("an export from before"));
    QCOMPARE(QDir(QString::fromStdString(disk.path().string())).entryList(QDir::Files | QDir::Hidden).size(), 1);

    QVERIFY2(window_->exportCurrent(ExportKind::View, temp_.filePath("view.png"), true), qPrintable(window_->lastError()));
    QVERIFY2(open_image(*window_, image("fruits.jpg")), qPrintable(window_->lastError()));
  }
};

QTEST_MAIN(GuiFaultTests)
#include "gui_fault_tests.moc"
