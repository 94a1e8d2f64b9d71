#include "shell/device_chooser.hpp"

#include <QSignalBlocker>

#include "vitlens/backend/devices.hpp"

namespace vitlens::gui {

DeviceChooser::DeviceChooser(QWidget* parent) : QComboBox(parent) {
  setToolTip(tr("Device the model runs on"));
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  for (const DeviceInfo& d : list_devices()) {
    const QString kind = QString::fromLatin1(to_string(d.kind));
    addItem(QString("%1 (%2)").arg(QString::fromStdString(d.name), kind), QString::fromStdString(d.id()));
  }
  connect(this, &QComboBox::activated, this, [this] { emit deviceChosen(currentId()); });
}

QString DeviceChooser::currentId() const { return currentData().toString(); }

void DeviceChooser::setCurrentId(const QString& id) {
  const QSignalBlocker block(this);
  setCurrentIndex(std::max(0, findData(id)));
}

}  // namespace vitlens::gui
