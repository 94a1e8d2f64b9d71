#pragma once
#include <QMenu>

namespace vitlens::gui {

class Settings;

// A "recent" submenu backed by one settings key: most recent first, at most kMaximum,
// entries that no longer exist are dropped when the menu is built.
class RecentMenu : public QMenu {
  Q_OBJECT

 public:
  static constexpr int kMaximum = 10;

  RecentMenu(const QString& title, Settings* settings, QString key, QWidget* parent = nullptr);

  void add(const QString& path);
  QStringList paths() const;

 signals:
  void pathChosen(const QString& path);

 private:
  void rebuild();

  Settings* settings_;
  QString key_;
};

}  // namespace vitlens::gui
