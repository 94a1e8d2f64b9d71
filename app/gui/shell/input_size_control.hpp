#pragma once
#include <QWidget>

#include "vitlens/image/input_size.hpp"

class QComboBox;
class QSpinBox;

namespace vitlens::gui {

// The toolbar's input-size control: the model's default, the image's native size, or a
// custom H x W in steps of the model's patch size; and the token limit beside it.
class InputSizeControl : public QWidget {
  Q_OBJECT

 public:
  explicit InputSizeControl(QWidget* parent = nullptr);

  InputOptions options() const;
  // Shows `options` (no signal). Custom sizes step by `patch` and start from `model_size`,
  // the model's own input size.
  void setOptions(const InputOptions& options, int patch, cv::Size model_size);

 signals:
  // The user chose another size or token limit.
  void optionsChanged();

 private:
  void updateEnabled();

  QComboBox* mode_;
  QSpinBox* height_;
  QSpinBox* width_;
  QSpinBox* max_tokens_;
};

}  // namespace vitlens::gui
