#pragma once
#include <QComboBox>

namespace vitlens::gui {

// The devices a model can run on: every Vulkan device, best first, then the CPU reference.
// Items carry the id vitlens::choose_device accepts.
class DeviceChooser : public QComboBox {
  Q_OBJECT

 public:
  explicit DeviceChooser(QWidget* parent = nullptr);

  QString currentId() const;
  // Selects the device with this id ("auto" picks the first); no signal.
  void setCurrentId(const QString& id);

 signals:
  void deviceChosen(const QString& id);
};

}  // namespace vitlens::gui
