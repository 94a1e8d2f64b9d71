#pragma once
#include <vector>

#include <QWidget>

#include "vitlens/backend/session.hpp"

namespace vitlens::gui {

// A classifier's top-k classes as labelled bars with their probabilities; a click on a class
// asks for it to be explained.
class ResultsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ResultsPanel(QWidget* parent = nullptr);

  void setPredictions(std::vector<Prediction> predictions);
  // Shown instead of bars (a detector, no model, a failed run).
  void setMessage(const QString& message);
  const QString& message() const { return message_; }  // empty while bars are shown
  const std::vector<Prediction>& predictions() const { return predictions_; }

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return sizeHint(); }

 signals:
  void classClicked(int class_index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  std::vector<Prediction> predictions_;
  QString message_;
};

}  // namespace vitlens::gui
