// Readability rules that need no window: the layers x heads grid's geometry for ViT-B and
// ViT-L depths, box labels that never cover one another, and distinct outlines per class.
#include <set>

#include <QApplication>
#include <QFontMetricsF>
#include <QtTest>

#include "canvas/label_placement.hpp"
#include "panels/detection_list.hpp"
#include "panels/head_grid_layout.hpp"

using namespace vitlens::gui;

namespace {

QStringList numbered(const QString& prefix, int count) {
  QStringList labels;
  for (int i = 0; i < count; ++i) labels << prefix.arg(i);
  return labels;
}

bool overlaps_any(const QRectF& r, const std::vector<QRectF>& others, size_t skip) {
  for (size_t i = 0; i < others.size(); ++i)
    if (i != skip && !others[i].isEmpty() && r.intersects(others[i])) return true;
  return false;
}

}  // namespace

class GuiLayoutTests : public QObject {
  Q_OBJECT

 private slots:
  void theGridFillsItsAreaWithLabelsInTheUiFont_data() {
    QTest::addColumn<int>("layers");
    QTest::addColumn<QSizeF>("area");
    QTest::newRow("ViT-B, 12 layers, dock") << 12 << QSizeF(440, 800);
    QTest::newRow("ViT-L, 24 layers, dock") << 24 << QSizeF(440, 800);
    QTest::newRow("ViT-B, 12 layers, wide window") << 12 << QSizeF(1400, 700);
    QTest::newRow("ViT-L, 24 layers, small") << 24 << QSizeF(300, 300);
  }

  void theGridFillsItsAreaWithLabelsInTheUiFont() {
    QFETCH(int, layers);
    QFETCH(QSizeF, area);
    const QFontMetricsF metrics(QApplication::font());  // the font the panel draws labels in
    const QStringList rows = numbered("layer %1", layers);
    QStringList columns = numbered("head %1", 12);
    columns << "mean";
    const HeadGridLayout g = layout_head_grid(area, {128, 96}, rows, columns, metrics);
    QCOMPARE(int(g.cells.size()), layers);
    const QRectF bounds(QPointF(0, 0), area);
    std::vector<QRectF> all;
    for (const auto& row : g.cells) {
      QCOMPARE(int(row.size()), 13);
      for (const QRectF& c : row) {
        QVERIFY(bounds.contains(c));
        QCOMPARE(c.size(), g.cells[0][0].size());  // one size, the engine's aspect ratio
        QVERIFY(qAbs(c.height() / c.width() - 0.75) < 1e-9);
        all.push_back(c);
      }
    }
    for (size_t i = 0; i < all.size(); ++i) QVERIFY(!overlaps_any(all[i], all, i));
    // Filled: the cells reach across the width, or down the height, leaving only margins and labels.
    const QRectF used = g.cells.front().front().united(g.cells.back().back());
    const double label_width = g.cells[0][0].left() - g.row_labels[0].left();
    QVERIFY(used.width() >= area.width() - label_width - 16 || used.height() >= area.height() - (used.top() + 16));
    // Labels: as tall as the UI font, never on a cell or on each other; some may be skipped
    // when cells are smaller than the text, but never the first.
    QVERIFY(!g.row_labels[0].isEmpty() && !g.column_labels[0].isEmpty());
    std::vector<QRectF> labels;
    for (const QRectF& r : g.row_labels)
      if (!r.isEmpty()) {
        QVERIFY(r.height() >= metrics.height() || r.height() == g.cells[0][0].height());
        labels.push_back(r);
      }
    for (const QRectF& r : g.column_labels)
      if (!r.isEmpty()) labels.push_back(r);
    for (size_t i = 0; i < labels.size(); ++i) {
      QVERIFY(!overlaps_any(labels[i], all, all.size()));
      QVERIFY(!overlaps_any(labels[i], labels, i));
    }
    if (g.vertical_column_labels) {
      QVERIFY(g.cells[0][0].width() < metrics.horizontalAdvance("head 11"));  // turned only when needed
      QVERIFY(g.column_labels[0].height() >= metrics.horizontalAdvance("head 11"));
    }
  }

  void aZoomedGridTakesTheCellWidthAsked() {
    const QFontMetricsF metrics(QApplication::font());
    const HeadGridLayout g = layout_head_grid({}, {128, 128}, numbered("layer %1", 24), numbered("head %1", 16), metrics, 200);
    QCOMPARE(g.cells[5][7].width(), 200.0);
    QVERIFY(g.size.width() > 16 * 200 && g.size.height() > 24 * 200);
  }

  void labelsOfOverlappingBoxesDoNotCoverOneAnother() {
    // Eight near-identical boxes of one class, as the demo detector finds on a photograph.
    std::vector<QRectF> boxes;
    std::vector<QSizeF> sizes;
    for (int i = 0; i < 8; ++i) {
      boxes.emplace_back(100 + 2 * i, 80 + i, 120, 160);
      sizes.emplace_back(80, 16);
    }
    const std::vector<QRectF> placed = place_labels(boxes, sizes, QRectF(0, 0, 640, 480));
    QCOMPARE(placed.size(), boxes.size());
    for (size_t i = 0; i < placed.size(); ++i) {
      QCOMPARE(placed[i].size(), sizes[i]);
      QVERIFY(QRectF(0, 0, 640, 480).contains(placed[i]));
      QVERIFY(!overlaps_any(placed[i], placed, i));
    }
    QCOMPARE(placed[0].topLeft(), QPointF(100, 64));  // the best box keeps the natural place, above it
  }

  void aLabelAtTheTopEdgeGoesInsideItsBox() {
    const std::vector<QRectF> placed = place_labels({QRectF(10, 0, 100, 50)}, {QSizeF(60, 16)}, QRectF(0, 0, 200, 200));
    QCOMPARE(placed[0].topLeft(), QPointF(10, 0));
  }

  void boxesOfOneClassHaveDistinctOutlines() {
    std::set<Qt::PenStyle> styles;
    for (int i = 0; i < 5; ++i) styles.insert(class_outline(i));
    QCOMPARE(int(styles.size()), 5);
    QCOMPARE(class_outline(0), Qt::SolidLine);
  }
};

QTEST_MAIN(GuiLayoutTests)
#include "gui_layout_tests.moc"
