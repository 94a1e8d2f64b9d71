// Model > Open from Hugging Face Hub: the dialog downloads from a test hub on 127.0.0.1 off
// the UI thread, can be cancelled, and remembers the ids it opened.
#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>

#include "shell/hub_dialog.hpp"
#include "shell/settings.hpp"
#include "support/test_hub.hpp"

using namespace vitlens;
using namespace vitlens::gui;

namespace {

const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";

bool dialog_says(const QDialog& dialog, const QString& text) {
  for (const QLabel* label : dialog.findChildren<QLabel*>())
    if (label->text().contains(text)) return true;
  return false;
}

}  // namespace

class GuiHubTests : public QObject {
  Q_OBJECT

 private slots:
  void theDialogDownloadsAModelAndRemembersItsId() {
    test::TestHub hub(test::TestHubSetup({{"vitlens/tiny-vit", kFixtures + "hf_vit"}}));
    QTemporaryDir cache;
    qputenv("HF_ENDPOINT", QByteArray::fromStdString(hub.endpoint()));
    qputenv("HF_HUB_CACHE", cache.path().toUtf8());
    Settings settings(cache.filePath("settings.ini"));
    HubDialog dialog(&settings);
    dialog.startWith("vitlens/tiny-vit");
    QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), 60000);
    QVERIFY(QFileInfo::exists(dialog.folder() + "/model.safetensors"));
    QVERIFY(dialog.folder().startsWith(cache.path()));
    QCOMPARE(settings.value(key::kRecentHubModels).toStringList(), QStringList{"vitlens/tiny-vit"});
  }

  void cancellingKeepsTheDialogOpenAndSaysTheDownloadWillResume() {
    test::TestHub hub(test::TestHubSetup({{"vitlens/tiny-vit", kFixtures + "hf_vit"}}));
    QTemporaryDir cache;
    qputenv("HF_ENDPOINT", QByteArray::fromStdString(hub.endpoint()));
    qputenv("HF_HUB_CACHE", cache.path().toUtf8());
    Settings settings(cache.filePath("settings.ini"));
    HubDialog dialog(&settings);
    dialog.startWith("vitlens/tiny-vit");
    dialog.reject();
    QTRY_VERIFY_WITH_TIMEOUT(dialog_says(dialog, "Cancelled"), 60000);
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(dialog.folder().isEmpty());
  }

  void aMalformedIdIsExplainedWithoutDownloading() {
    QTemporaryDir dir;
    Settings settings(dir.filePath("settings.ini"));
    HubDialog dialog(&settings);
    dialog.startWith("not an id");
    QVERIFY(dialog_says(dialog, "is not a model id"));
    QVERIFY(settings.value(key::kRecentHubModels).toStringList().isEmpty());
  }
};

QTEST_MAIN(GuiHubTests)
#include "gui_hub_tests.moc"
