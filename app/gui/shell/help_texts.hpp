#pragma once
#include <QString>

class QMenuBar;

namespace vitlens::gui {

// Help > Keyboard Shortcuts as rich text: every menu action that has a shortcut, read from
// the menus themselves (so the list never drifts from them), then the mouse gestures.
QString shortcuts_html(const QMenuBar* menus);

// Help > About as rich text: the version and commit (vitlens::version_text) and `device`,
// the device the model runs on (empty: none yet).
QString about_html(const QString& device);

}  // namespace vitlens::gui
