#include "panels/results_panel.hpp"

#include <QMouseEvent>
#include <QPainter>

namespace vitlens::gui {

namespace {

constexpr int kRowGap = 6;
constexpr int kMargin = 8;
constexpr int kMaxRows = 5;  // the window shows the top five

int row_height(const QFontMetrics& metrics) { return metrics.height() * 2 + 4; }

}  // namespace

ResultsPanel::ResultsPanel(QWidget* parent) : QWidget(parent), message_(tr("No result yet")) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  setToolTip(tr("Click a class to explain it (Attention: Relevance)"));
}

void ResultsPanel::setPredictions(std::vector<Prediction> predictions) {
  predictions_ = std::move(predictions);
  message_.clear();
  update();
}

void ResultsPanel::setMessage(const QString& message) {
  predictions_.clear();
  message_ = message;
  update();
}

QSize ResultsPanel::sizeHint() const {
  // Room for the most rows ever shown, so the panel never jumps or gets covered.
  return {240, kMargin * 2 + kMaxRows * (row_height(fontMetrics()) + kRowGap)};
}

void ResultsPanel::mousePressEvent(QMouseEvent* event) {
  const int row = (qRound(event->position().y()) - kMargin) / (row_height(fontMetrics()) + kRowGap);
  if (row >= 0 && static_cast<size_t>(row) < predictions_.size()) emit classClicked(predictions_[static_cast<size_t>(row)].index);
}

void ResultsPanel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
  if (predictions_.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(area, Qt::AlignTop | Qt::AlignHCenter | Qt::TextWordWrap, message_);
    return;
  }
  const QFontMetrics metrics = fontMetrics();
  const int h = row_height(metrics);
  const QColor accent = palette().color(QPalette::Highlight);
  int y = area.top();
  for (size_t i = 0; i < predictions_.size(); ++i, y += h + kRowGap) {
    const Prediction& p = predictions_[i];
    const QString percent = QString::number(100.0 * p.probability, 'f', 1) + " %";
    QFont font = painter.font();
    font.setBold(i == 0);
    painter.setFont(font);
    painter.setPen(palette().color(QPalette::WindowText));
    const QRect text_row(area.left(), y, area.width(), metrics.height());
    painter.drawText(text_row, Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText(QString::fromStdString(p.label), Qt::ElideRight, area.width() - 60));
    painter.drawText(text_row, Qt::AlignRight | Qt::AlignVCenter, percent);
    const QRectF track(area.left(), y + metrics.height() + 2, area.width(), h - metrics.height() - 4);
    painter.setPen(Qt::NoPen);
    painter.setBrush(palette().color(QPalette::Mid).lighter(130));
    painter.drawRoundedRect(track, 3, 3);
    QColor bar = accent;
    if (i > 0) bar.setAlpha(150);
    painter.setBrush(bar);
    painter.drawRoundedRect(QRectF(track.topLeft(), QSizeF(track.width() * p.probability, track.height())), 3, 3);
  }
}

}  // namespace vitlens::gui
