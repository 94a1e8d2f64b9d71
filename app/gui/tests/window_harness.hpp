#pragma once
// What the window tests share: where the fixtures are, and opening a model or an image in a
// window and waiting (bounded) for it to be shown.
#include <QSignalSpy>
#include <QString>

#include "shell/main_window.hpp"

namespace vitlens::gui::test {

constexpr int kTimeoutMs = 90000;  // generous: a loaded CI machine can stall a run for many seconds

inline QString fixture(const QString& relative) { return QString(VITLENS_SOURCE_DIR "/tests/fixtures/") + relative; }

inline QString image(const QString& name) { return fixture("images/" + name); }

inline QString demo(const QString& name) { return QString(VITLENS_SOURCE_DIR "/resources/models/") + name; }

// True once the model is ready (false on a timeout or an error: see window.lastError()).
inline bool open_model(MainWindow& window, const QString& path) {
  QSignalSpy ready(&window, &MainWindow::modelReady);
  window.openModel(path);
  return ready.wait(kTimeoutMs);
}

// True once the image's result is shown.
inline bool open_image(MainWindow& window, const QString& path) {
  QSignalSpy shown(&window, &MainWindow::resultShown);
  window.openImage(path);
  return shown.wait(kTimeoutMs);
}

}  // namespace vitlens::gui::test
