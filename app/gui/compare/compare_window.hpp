#pragma once
#include <array>

#include <QWidget>

#include "compare/compare_pair.hpp"

class QLabel;

namespace vitlens::gui {

class AttentionPanel;
class ImageCanvas;

// The compare view: two maps of the current image side by side, each with its own
// attention controls (method, layer, head, query, class, colours) under it; a click on a
// side's image picks that side's query patch. A thin face on ComparePair, which computes.
class CompareWindow : public QWidget {
  Q_OBJECT

 public:
  explicit CompareWindow(ComparePair* pair, QWidget* parent = nullptr);

  ComparePair* pair() const { return pair_; }
  AttentionPanel* panel(int side) const { return sides_.at(static_cast<size_t>(side)).panel; }
  ImageCanvas* canvas(int side) const { return sides_.at(static_cast<size_t>(side)).canvas; }
  // The ranges of the model's controls (AttentionPanel::setModelShape), on both sides.
  void setModelShape(int layers, int heads, const std::vector<QueryToken>& named_queries);
  // Both sides' settings at once (the panels then ask the pair for their maps).
  void setSettings(const AttentionSettings& left, const AttentionSettings& right);
  // Writes both maps side by side under their captions as one PNG (the engine's safe file
  // writing). Throws vitlens::Error, also while a map is still being computed.
  void exportPair(const QString& path, bool overwrite) const;
  // Where Export Pair offers to save (the window's export folder).
  void setExportFolder(const QString& folder) { export_folder_ = folder; }

 private:
  struct Side {
    AttentionPanel* panel = nullptr;
    ImageCanvas* canvas = nullptr;
    QLabel* caption = nullptr;
  };
  QWidget* makeSide(int side);
  void showSide(int side);
  void pickPatch(int side, QPointF image_pixel);
  void askForPath();

  ComparePair* pair_;
  std::array<Side, ComparePair::kSides> sides_;
  QString export_folder_;
};

}  // namespace vitlens::gui
