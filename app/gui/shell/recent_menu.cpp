#include "shell/recent_menu.hpp"

#include <QDir>
#include <QFileInfo>

#include "shell/settings.hpp"

namespace vitlens::gui {

RecentMenu::RecentMenu(const QString& title, Settings* settings, QString key, QWidget* parent)
    : QMenu(title, parent), settings_(settings), key_(std::move(key)) {
  connect(this, &QMenu::aboutToShow, this, &RecentMenu::rebuild);
  rebuild();
}

QStringList RecentMenu::paths() const { return settings_->value(key_).toStringList(); }

void RecentMenu::add(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList list = paths();
  list.removeAll(absolute);
  list.prepend(absolute);
  while (list.size() > kMaximum) list.removeLast();
  settings_->setValue(key_, list);
  rebuild();
}

void RecentMenu::rebuild() {
  clear();
  QStringList kept;
  for (const QString& p : paths())
    if (QFileInfo::exists(p)) kept << p;
  if (kept != paths()) settings_->setValue(key_, kept);
  for (int i = 0; i < kept.size(); ++i) {
    const QString& p = kept[i];
    // &1 .. &9 give keyboard access to the first entries.
    const QString text = (i < 9 ? QString("&%1  ").arg(i + 1) : QString("    ")) + QFileInfo(p).fileName();
    QAction* action = addAction(text, this, [this, p] { emit pathChosen(p); });
    action->setToolTip(QDir::toNativeSeparators(p));
    action->setStatusTip(QDir::toNativeSeparators(p));
  }
  if (kept.isEmpty()) addAction(tr("(none)"))->setEnabled(false);
  addSeparator();
  addAction(tr("Clear"), this, [this] { settings_->setValue(key_, QStringList()); rebuild(); })->setEnabled(!kept.isEmpty());
}

}  // namespace vitlens::gui
