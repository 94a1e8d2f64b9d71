#include "panels/model_notice.hpp"

namespace vitlens::gui {

ModelNotice::ModelNotice(QWidget* parent) : QLabel(parent) {
  setObjectName("model_notice");
  setWordWrap(true);
  setTextFormat(Qt::RichText);
  setTextInteractionFlags(Qt::TextBrowserInteraction);
  setFrameShape(QFrame::StyledPanel);
  setMargin(6);
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, p.color(QPalette::ToolTipBase));
  p.setColor(QPalette::WindowText, p.color(QPalette::ToolTipText));
  setPalette(p);
  connect(this, &QLabel::linkActivated, this, &ModelNotice::openModelRequested);
  hide();
}

void ModelNotice::setNotice(const QString& text) {
  notice_ = text;
  setText(text.toHtmlEscaped() + " <a href=\"open-model\">" + tr("Open a real model...") + "</a>");
  setVisible(!text.isEmpty());
}

}  // namespace vitlens::gui
