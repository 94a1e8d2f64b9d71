#include <QApplication>
#include <QFileInfo>

#include "launch_options.hpp"
#include "main_window.hpp"
#include "resource_locator.hpp"
#include "settings.hpp"

using namespace vitlens::gui;

namespace {

QString initial_model(const LaunchOptions& options, const Settings& settings) {
  if (!options.model.isEmpty()) return options.model;
  const QString last = settings.value(key::kLastModel).toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) return last;
  const QStringList demos = demo_models();
  return demos.isEmpty() ? QString() : demos.first();
}

}  // namespace

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ViTLens");
  QApplication::setApplicationName("vitlens");
  QApplication::setApplicationVersion(VITLENS_VERSION);
  const auto parsed = parse_launch_options(QApplication::arguments());
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const LaunchOptions& options = std::get<LaunchOptions>(parsed);

  Settings settings;
  MainWindow window(&settings);
  if (!options.screenshot.isEmpty()) window.setScreenshotPath(options.screenshot);
  if (!options.device.isEmpty()) settings.setValue(key::kDevice, options.device);
  window.show();
  if (!options.device.isEmpty()) window.setDevice(options.device);
  if (const QString model = initial_model(options, settings); !model.isEmpty()) window.openModel(model);
  window.openPaths(options.paths);
  return QApplication::exec();
}
