#pragma once
#include <vector>

#include <QRectF>
#include <QSizeF>

namespace vitlens::gui {

// Where each box's label goes so that labels do not cover one another: above the box's top
// left corner when that is free, else inside it, below it, inside its bottom, or beside it;
// when every place is taken, stacked downward from above the box until free. Labels stay
// within `bounds` where they can. Boxes are placed in order, so earlier (better-scoring)
// boxes get the natural place.
std::vector<QRectF> place_labels(const std::vector<QRectF>& boxes, const std::vector<QSizeF>& labels, const QRectF& bounds);

}  // namespace vitlens::gui
