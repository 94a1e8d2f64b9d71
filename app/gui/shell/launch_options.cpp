#include "shell/launch_options.hpp"

#include <cstdio>

#include <QCommandLineParser>

#include "vitlens/util/resources.hpp"
#include "vitlens/util/version.hpp"

namespace vitlens::gui {

std::variant<LaunchOptions, int> parse_launch_options(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription("ViTLens: explore what Vision Transformers look at.");
  const QCommandLineOption help({"h", "help"}, "Show this help.");
  const QCommandLineOption version({"v", "version"}, "Show the version and the commit it was built from.");
  const QCommandLineOption model({"m", "model"}, "Model folder, .safetensors or PyTorch .bin/.pth file, bundled demo model name (fashion-vit, fashion-yolos) or Hugging Face hub id ORG/NAME[@REVISION] to open.", "MODEL");
  const QCommandLineOption device({"d", "device"}, "Device: auto, cpu, a Vulkan index or part of a device name.", "DEVICE");
  const QCommandLineOption screenshot("screenshot", "Save the window to FILE once the first result is shown, then quit.", "FILE");
  const QCommandLineOption live("live", "Start live mode on SOURCE: a camera index (0), a video file or a stream URL.", "SOURCE");
  parser.addOptions({help, version, model, device, live, screenshot});
  parser.addPositionalArgument("paths", "Images or folders to open.", "[IMAGE|FOLDER...]");
  // Parsed before QApplication exists, whose name the help's usage line would show.
  const QString usage = parser.helpText().replace("<executable_name>", "vitlens");
  if (!parser.parse(arguments)) {
    std::fprintf(stderr, "vitlens: %s\n%s", qPrintable(parser.errorText()), qPrintable(usage));
    return 2;
  }
  if (parser.isSet(help)) {
    std::fputs(qPrintable(usage), stdout);
    return 0;
  }
  if (parser.isSet(version)) {
    std::printf("vitlens %s\n", version_text().c_str());
    return 0;
  }
  const QString model_path = QString::fromStdString(locate_model(parser.value(model).toStdString()));
  LaunchOptions options{model_path, parser.value(device), parser.value(screenshot), parser.positionalArguments(),
                        parser.value(live)};
  if (!options.screenshot.isEmpty() && options.paths.isEmpty() && options.live.isEmpty()) {
    std::fputs("vitlens: --screenshot needs an image or a --live source to show\n", stderr);
    return 2;
  }
  return options;
}

}  // namespace vitlens::gui
