#include <cstdio>

#include <QApplication>
#include <QFileInfo>

#include "live/live_mode.hpp"
#include "shell/launch_options.hpp"
#include "shell/main_window.hpp"
#include "shell/resource_locator.hpp"
#include "shell/settings.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/util/process_memory.hpp"
#include "vitlens/util/version.hpp"

using namespace vitlens::gui;

namespace {

QString initial_model(const LaunchOptions& options, const Settings& settings) {
  if (!options.model.isEmpty()) return options.model;
  const QString last = settings.value(key::kLastModel).toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) return last;
  const QStringList demos = demo_models();
  return demos.isEmpty() ? QString() : demos.first();
}

// A --device no device matches is refused, as vitlens-cli refuses it, with the list: running
// on another device than the one asked for would mislead every number the window shows.
bool device_exists(const QString& device) {
  try {
    vitlens::choose_device(device.toStdString());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitlens: %s\n", e.what());
    return false;
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  vitlens::keep_freed_memory_for_reuse();
  // Parsed before QApplication exists, so --help and mistakes need no display (Qt's own
  // command-line options are not taken; QT_QPA_PLATFORM and friends still are).
  QStringList arguments;
  for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
  const auto parsed = parse_launch_options(arguments);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const LaunchOptions& options = std::get<LaunchOptions>(parsed);
  if (!options.device.isEmpty() && !device_exists(options.device)) return 1;

  QApplication app(argc, argv);
  QApplication::setOrganizationName("ViTLens");
  QApplication::setApplicationName("vitlens");
  QApplication::setApplicationVersion(QString::fromStdString(vitlens::version_text()));

  Settings settings;
  MainWindow window(&settings);
  if (!options.screenshot.isEmpty()) window.setScreenshotPath(options.screenshot);
  if (!options.device.isEmpty()) settings.setValue(key::kDevice, options.device);
  window.show();
  if (!options.device.isEmpty()) window.setDevice(options.device);
  if (const QString model = initial_model(options, settings); !model.isEmpty()) window.openModel(model);
  window.openPaths(options.paths);
  if (!options.live.isEmpty())
    QObject::connect(
        &window, &MainWindow::modelReady, &window, [&window, source = options.live] { window.liveMode()->start(source); },
        Qt::SingleShotConnection);
  return QApplication::exec();
}
