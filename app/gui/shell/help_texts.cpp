#include "shell/help_texts.hpp"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QStringList>

#include "vitlens/util/version.hpp"

namespace vitlens::gui {

namespace {

QString plain(QString menu_text) { return menu_text.remove('&').remove("..."); }

void add_menu(const QMenu* menu, const QString& path, QStringList& rows) {
  for (const QAction* action : menu->actions()) {
    if (action->isSeparator()) continue;
    if (const QMenu* sub = action->menu()) {
      add_menu(sub, path + " > " + plain(sub->title()), rows);
      continue;
    }
    QStringList keys;
    for (const QKeySequence& k : action->shortcuts()) keys << k.toString(QKeySequence::NativeText).toHtmlEscaped();
    if (!keys.isEmpty())
      rows << QString("<tr><td style='padding-right:16px'>%1</td><td>%2 &gt; %3</td></tr>")
                  .arg(keys.join(", "), path.toHtmlEscaped(), plain(action->text()).toHtmlEscaped());
  }
}

}  // namespace

QString shortcuts_html(const QMenuBar* menus) {
  QStringList rows;
  for (const QAction* action : menus->actions())
    if (const QMenu* menu = action->menu()) add_menu(menu, plain(menu->title()), rows);
  const QStringList mouse = {
      QObject::tr("Wheel: zoom toward the cursor; drag: pan"),
      QObject::tr("Click the image: show where that patch looks (query = the patch)"),
      QObject::tr("Click a box or a detection: show what its detection token attends to"),
      QObject::tr("Click a cell of the Layers x Heads grid: show that layer and head; Ctrl+wheel in its window: zoom"),
  };
  QString html = "<table>" + rows.join("") + "</table><p><b>" + QObject::tr("Mouse") + "</b></p><ul>";
  for (const QString& m : mouse) html += "<li>" + m.toHtmlEscaped() + "</li>";
  return html + "</ul>";
}

QString about_html(const QString& device) {
  return QObject::tr("<b>ViTLens</b> %1<p>Vision Transformer attention explorer on Vulkan compute.</p><p>Device: %2</p>")
      .arg(QString::fromStdString(version_text()).toHtmlEscaped(),
           device.isEmpty() ? QObject::tr("none yet (no model open)") : device.toHtmlEscaped());
}

}  // namespace vitlens::gui
