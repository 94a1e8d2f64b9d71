#include "canvas/label_placement.hpp"

#include <algorithm>

namespace vitlens::gui {

namespace {

constexpr int kStackTries = 40;

bool free_at(const QRectF& place, const std::vector<QRectF>& taken, const QRectF& bounds) {
  if (!bounds.contains(place)) return false;
  return std::none_of(taken.begin(), taken.end(), [&](const QRectF& t) { return t.intersects(place); });
}

}  // namespace

std::vector<QRectF> place_labels(const std::vector<QRectF>& boxes, const std::vector<QSizeF>& labels, const QRectF& bounds) {
  std::vector<QRectF> placed;
  for (size_t i = 0; i < boxes.size() && i < labels.size(); ++i) {
    const QRectF& b = boxes[i];
    const QSizeF s = labels[i];
    const QPointF candidates[] = {
        {b.left(), b.top() - s.height()},    // above
        {b.left(), b.top()},                 // inside, top
        {b.left(), b.bottom()},              // below
        {b.left(), b.bottom() - s.height()},  // inside, bottom
        {b.right(), b.top()},                // beside, right
        {b.left() - s.width(), b.top()},     // beside, left
    };
    QRectF chosen(candidates[0], s);
    bool found = false;
    for (const QPointF& c : candidates)
      if (free_at({c, s}, placed, bounds)) {
        chosen = {c, s};
        found = true;
        break;
      }
    for (int step = 1; !found && step <= kStackTries; ++step) {
      const QRectF stacked(candidates[1] + QPointF(0, step * s.height()), s);
      if (free_at(stacked, placed, bounds)) {
        chosen = stacked;
        found = true;
      }
    }
    placed.push_back(chosen);
  }
  return placed;
}

}  // namespace vitlens::gui
