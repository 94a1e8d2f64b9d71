#pragma once
#include <QWidget>

#include "panels/attention_settings.hpp"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace vitlens::gui {

// The attention controls: layer, head (each head, mean, max, min), method (raw, rollout and
// its discard ratio, mass mask and its fraction), colormap, opacity, blend and query token. Every change emits
// settingsChanged at once; the window re-renders from the stored attention.
class AttentionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit AttentionPanel(QWidget* parent = nullptr);

  // The ranges of a model: its layers, heads and whether it has a distillation token.
  void setModelShape(int layers, int heads, bool distillation);
  AttentionSettings settings() const;
  void setSettings(const AttentionSettings& settings);
  void setQuery(const QueryToken& query);
  // Why the current settings cannot be shown (empty: they can).
  void setNote(const QString& note);
  // The values the colormap's ends stand for in the map shown.
  void setRange(ValueRange range);

 signals:
  void settingsChanged();

 private:
  void fillHeads(int heads);
  void addQuery(const QueryToken& query, const QString& text);
  void updateEnabled();
  void updateBar();

  QSpinBox* layer_;
  QComboBox* head_;
  QComboBox* method_;
  QDoubleSpinBox* mass_;
  QDoubleSpinBox* discard_;
  QCheckBox* fade_;
  QComboBox* colormap_;
  QSlider* opacity_;
  QCheckBox* visible_;
  QComboBox* query_;
  QLabel* bar_;
  QLabel* low_;
  QLabel* high_;
  QLabel* note_;
  bool distillation_ = false;
};

}  // namespace vitlens::gui
