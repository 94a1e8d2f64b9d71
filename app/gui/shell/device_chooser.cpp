#include "shell/device_chooser.hpp"

#include <QSignalBlocker>

#include "vitlens/backend/devices.hpp"

namespace vitlens::gui {

DeviceChooser::DeviceChooser(QWidget* parent) : QComboBox(parent) {
  setToolTip(tr("Device the model runs on"));
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  // The same list as `vitlens-cli devices`, with what "auto" picks marked as it marks it.
  const std::vector<DeviceInfo> devices = list_devices();
  const std::string automatic = auto_device(devices).id();
  for (const DeviceInfo& d : devices) {
    const QString kind = QString::fromLatin1(to_string(d.kind));
    const QString mark = d.id() == automatic ? QString(" *") : QString();
    addItem(QString("%1 (%2)%3").arg(QString::fromStdString(d.name), kind, mark), QString::fromStdString(d.id()));
  }
  connect(this, &QComboBox::activated, this, [this] { emit deviceChosen(currentId()); });
}

QString DeviceChooser::currentId() const { return currentData().toString(); }

void DeviceChooser::setCurrentId(const QString& id) {
  const QSignalBlocker block(this);
  setCurrentIndex(std::max(0, findData(id)));
}

}  // namespace vitlens::gui
