#pragma once
#include <QLabel>

namespace vitlens::gui {

// A note above the Classes or Detections panel saying what the model is for when its
// answers would mislead (a demo trained on 28 x 28 clothes, run on a photograph), with a
// link straight to opening a real model. Hidden while there is nothing to say.
class ModelNotice : public QLabel {
  Q_OBJECT

 public:
  explicit ModelNotice(QWidget* parent = nullptr);

  // Shows `text` (plain) followed by the link; empty hides the notice.
  void setNotice(const QString& text);
  const QString& notice() const { return notice_; }

 signals:
  void openModelRequested();

 private:
  QString notice_;
};

}  // namespace vitlens::gui
