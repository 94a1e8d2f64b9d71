#include "shell/input_size_control.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

namespace vitlens::gui {

namespace {

enum Mode { kModelDefault, kNative, kCustom };

QSpinBox* side_box(const QString& name, const QString& tip) {
  auto* box = new QSpinBox;
  box->setObjectName(name);
  box->setRange(1, kMaxInputSide);
  box->setToolTip(tip);
  box->setKeyboardTracking(false);  // one run per finished edit, not per digit
  return box;
}

}  // namespace

InputSizeControl::InputSizeControl(QWidget* parent)
    : QWidget(parent),
      mode_(new QComboBox),
      height_(side_box("input_height", tr("Input height in pixels, a multiple of the patch size"))),
      width_(side_box("input_width", tr("Input width in pixels, a multiple of the patch size"))),
      max_tokens_(new QSpinBox) {
  mode_->setObjectName("input_size_mode");
  mode_->addItem(tr("Model default"));
  mode_->addItem(tr("Native"));
  mode_->addItem(tr("Custom"));
  mode_->setToolTip(tr("The model's input size: its pre-processing, the image's own size rounded to the patch size, "
                       "or height x width"));
  max_tokens_->setObjectName("max_tokens");
  max_tokens_->setRange(1, kMaxTokenLimit);
  max_tokens_->setValue(kDefaultMaxTokens);
  max_tokens_->setKeyboardTracking(false);
  max_tokens_->setToolTip(tr("Token limit: larger inputs are refused"));

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(tr(" Input ")));
  layout->addWidget(mode_);
  layout->addWidget(height_);
  layout->addWidget(new QLabel(QStringLiteral("x")));
  layout->addWidget(width_);
  layout->addWidget(new QLabel(tr(" Max tokens ")));
  layout->addWidget(max_tokens_);
  updateEnabled();

  connect(mode_, &QComboBox::activated, this, [this] {
    updateEnabled();
    emit optionsChanged();
  });
  for (QSpinBox* box : {height_, width_})
    connect(box, &QSpinBox::valueChanged, this, [this] {
      if (mode_->currentIndex() == kCustom) emit optionsChanged();
    });
  connect(max_tokens_, &QSpinBox::valueChanged, this, &InputSizeControl::optionsChanged);
}

InputOptions InputSizeControl::options() const {
  InputOptions options;
  options.max_tokens = max_tokens_->value();
  switch (mode_->currentIndex()) {
    case kNative: options.size = InputSize::native(); break;
    case kCustom: options.size = InputSize::exact(height_->value(), width_->value()); break;
    default: options.size = InputSize::model_default(); break;
  }
  return options;
}

void InputSizeControl::setOptions(const InputOptions& options, int patch, cv::Size model_size) {
  const QSignalBlocker blockers[] = {QSignalBlocker(mode_), QSignalBlocker(height_), QSignalBlocker(width_),
                                     QSignalBlocker(max_tokens_)};
  for (QSpinBox* box : {height_, width_}) box->setSingleStep(patch);
  max_tokens_->setValue(options.max_tokens);
  height_->setValue(model_size.height);
  width_->setValue(model_size.width);
  switch (options.size.kind) {
    case InputSize::Kind::Native: mode_->setCurrentIndex(kNative); break;
    case InputSize::Kind::Side:
    case InputSize::Kind::Exact:
      mode_->setCurrentIndex(kCustom);
      height_->setValue(options.size.height);
      width_->setValue(options.size.width);
      break;
    case InputSize::Kind::ModelDefault: mode_->setCurrentIndex(kModelDefault); break;
  }
  updateEnabled();
}

void InputSizeControl::updateEnabled() {
  const bool custom = mode_->currentIndex() == kCustom;
  height_->setEnabled(custom);
  width_->setEnabled(custom);
}

}  // namespace vitlens::gui
