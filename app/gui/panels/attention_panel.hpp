#pragma once
#include <QWidget>

#include <optional>
#include <vector>

#include "panels/attention_settings.hpp"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace vitlens::gui {

// The attention controls: layer, head (each head, mean, max, min), method (raw, rollout and
// its discard ratio, mass mask and its fraction, relevance, Grad-CAM, and the Features view: PCA colours and
// its foreground threshold, a clicked patch's similarity), colormap, opacity, blend and query token. Every change emits
// settingsChanged at once; the window re-renders from the stored attention.
class AttentionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit AttentionPanel(QWidget* parent = nullptr);

  // The ranges of a model: its layers, heads and the query tokens it has by name (CLS,
  // distillation, registers, SigLIP's probe); the first is the default.
  void setModelShape(int layers, int heads, const std::vector<QueryToken>& named_queries);
  AttentionSettings settings() const;
  void setSettings(const AttentionSettings& settings);
  void setQuery(const QueryToken& query);
  // Why the current settings cannot be shown (empty: they can).
  void setNote(const QString& note);
  // Where the shown row's attention goes: prefix tokens (registers) against patches.
  void setShare(const std::optional<AttentionShare>& share);
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
  QDoubleSpinBox* foreground_;
  QCheckBox* fade_;
  QComboBox* colormap_;
  QSlider* opacity_;
  QCheckBox* visible_;
  QComboBox* query_;
  QLabel* bar_;
  QLabel* low_;
  QLabel* high_;
  QLabel* note_;
  QLabel* share_;
  std::vector<QueryToken> named_;
  int target_class_ = -1;  // relevance, Grad-CAM (set by a click on a class)
};

}  // namespace vitlens::gui
