#include "panels/head_grid_window.hpp"

#include <algorithm>
#include <memory>

#include <QHBoxLayout>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QVBoxLayout>
#include <QWheelEvent>

#include "panels/head_grid_panel.hpp"

namespace vitlens::gui {

namespace {

constexpr double kZoomStep = 1.25;
constexpr double kMinCell = 24, kMaxCell = 512;

}  // namespace

HeadGridWindow::HeadGridWindow(HeadGridPanel* source, QWidget* parent)
    : QWidget(parent, Qt::Window), source_(source), view_(new HeadGridPanel), scroll_(new QScrollArea) {
  setWindowTitle(tr("Layers x Heads - ViTLens"));
  scroll_->setWidget(view_);
  scroll_->viewport()->installEventFilter(this);
  auto* fit = new QPushButton(tr("Fit"));
  auto* smaller = new QPushButton(tr("Zoom Out"));
  auto* larger = new QPushButton(tr("Zoom In"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(smaller);
  buttons->addWidget(larger);
  buttons->addWidget(fit);
  buttons->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(buttons);
  layout->addWidget(scroll_, 1);
  connect(fit, &QPushButton::clicked, this, [this] { setCellWidth(0); });
  connect(smaller, &QPushButton::clicked, this, &HeadGridWindow::zoomOut);
  connect(larger, &QPushButton::clicked, this, &HeadGridWindow::zoomIn);
  new QShortcut(QKeySequence::ZoomIn, this, this, &HeadGridWindow::zoomIn);
  new QShortcut(QKeySequence::ZoomOut, this, this, &HeadGridWindow::zoomOut);
  connect(source_, &HeadGridPanel::contentChanged, this, [this] { view_->showSameAs(*source_); });
  connect(view_, &HeadGridPanel::cellClicked, source_, &HeadGridPanel::cellClicked);
  view_->showSameAs(*source_);
  setCellWidth(0);
  resize(1000, 800);
}

void HeadGridWindow::setCellWidth(double width) {
  scroll_->setWidgetResizable(width <= 0);
  view_->setCellWidth(width);
}

void HeadGridWindow::zoomIn() {
  const HeadGridLayout now = view_->currentLayout();
  if (now.cells.empty()) return;
  setCellWidth(std::min(kMaxCell, now.cells[0][0].width() * kZoomStep));
}

void HeadGridWindow::zoomOut() {
  const HeadGridLayout now = view_->currentLayout();
  if (now.cells.empty()) return;
  setCellWidth(std::max(kMinCell, now.cells[0][0].width() / kZoomStep));
}

bool HeadGridWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == scroll_->viewport() && event->type() == QEvent::Wheel) {
    auto* wheel = static_cast<QWheelEvent*>(event);
    if (wheel->modifiers() & Qt::ControlModifier) {
      wheel->angleDelta().y() > 0 ? zoomIn() : zoomOut();
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

QWidget* head_grid_dock_content(HeadGridPanel* grid) {
  auto* box = new QWidget;
  auto* open = new QPushButton(QObject::tr("Open in Window"));
  open->setObjectName("open_grid_window");
  open->setToolTip(QObject::tr("Show the grid in a window of its own, to enlarge and zoom it"));
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(open, 0, Qt::AlignLeft);
  layout->addWidget(grid, 1);
  auto window = std::make_shared<QPointer<HeadGridWindow>>();
  QObject::connect(open, &QPushButton::clicked, grid, [grid, window] {
    if (!*window) {
      *window = new HeadGridWindow(grid, grid->window());
      (*window)->setAttribute(Qt::WA_DeleteOnClose);
    }
    (*window)->show();
    (*window)->raise();
    (*window)->activateWindow();
  });
  return box;
}

}  // namespace vitlens::gui
