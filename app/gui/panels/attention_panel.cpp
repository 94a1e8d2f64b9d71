#include "panels/attention_panel.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <opencv2/core.hpp>

#include "canvas/image_conversion.hpp"

namespace vitlens::gui {

namespace {

// Head combo data: a head index, or a negative code for a fusion of every head.
constexpr int kFusionCode[] = {-1, -2, -3};
constexpr HeadFusion kFusions[] = {HeadFusion::Mean, HeadFusion::Max, HeadFusion::Min};

int head_code(const AttentionSettings& s) {
  if (s.head >= 0) return s.head;
  for (int i = 0; i < 3; ++i)
    if (kFusions[i] == s.fusion) return kFusionCode[i];
  return -1;
}

QString query_text(const QueryToken& q) {
  switch (q.kind) {
    case QueryToken::Kind::Cls: return QObject::tr("CLS token");
    case QueryToken::Kind::Dist: return QObject::tr("Distillation token");
    case QueryToken::Kind::Reg: return QObject::tr("Register %1").arg(q.index);
    case QueryToken::Kind::Probe: return QObject::tr("Pooling probe");
    case QueryToken::Kind::Det: return QObject::tr("Detection token %1").arg(q.index);
    case QueryToken::Kind::Patch: return QObject::tr("Patch row %1, column %2").arg(q.index).arg(q.column);
    case QueryToken::Kind::Token: return QObject::tr("Token %1").arg(q.index);
  }
  return {};
}

}  // namespace

AttentionPanel::AttentionPanel(QWidget* parent)
    : QWidget(parent),
      layer_(new QSpinBox),
      head_(new QComboBox),
      method_(new QComboBox),
      mass_(new QDoubleSpinBox),
      discard_(new QDoubleSpinBox),
      foreground_(new QDoubleSpinBox),
      fade_(new QCheckBox(tr("Fade low values"))),
      colormap_(new QComboBox),
      opacity_(new QSlider(Qt::Horizontal)),
      visible_(new QCheckBox(tr("Show heatmap"))),
      query_(new QComboBox),
      bar_(new QLabel),
      low_(new QLabel),
      high_(new QLabel),
      note_(new QLabel),
      share_(new QLabel) {
  layer_->setToolTip(tr("Encoder layer whose attention is shown (rollout: rolled out through it)"));
  method_->addItem(tr("Raw attention"), "raw");
  method_->addItem(tr("Rollout"), "rollout");
  method_->addItem(tr("Mass mask (DINO)"), "mask");
  method_->addItem(tr("Relevance (class)"), "relevance");
  method_->addItem(tr("Grad-CAM (class)"), "gradcam");
  method_->addItem(tr("Feature similarity (clicked patch)"), "similarity");
  method_->addItem(tr("Features: PCA colours"), "pca");
  method_->setToolTip(tr("Relevance (Chefer et al.) and Grad-CAM explain one class: the top one, or the one you click in "
                         "the Classes panel; they run a backward pass on the CPU"));
  mass_->setRange(0.05, 1.0);
  mass_->setSingleStep(0.05);
  mass_->setDecimals(2);
  mass_->setToolTip(tr("Keep the largest patches until they hold this fraction of the attention"));
  discard_->setRange(0.0, 0.99);
  discard_->setSingleStep(0.05);
  discard_->setDecimals(2);
  discard_->setToolTip(tr("Rollout: zero this lowest fraction of each layer's fused weights (vitlens-cli attention --discard)"));
  foreground_->setRange(0.0, 0.95);
  foreground_->setSingleStep(0.05);
  foreground_->setDecimals(2);
  foreground_->setSpecialValueText(tr("off"));
  foreground_->setToolTip(tr("PCA of the foreground only: the patches whose first component, min-max scaled, exceeds this "
                             "(DINOv2's demos); the background is left clear. Off: every patch (vitlens-cli features --foreground)"));
  fade_->setToolTip(tr("Each pixel's opacity grows with its value, so low attention leaves the image as it is; "
                       "off: one opacity tints the whole image"));
  for (Colormap c : {Colormap::Viridis, Colormap::Inferno, Colormap::Magma, Colormap::Turbo, Colormap::Jet, Colormap::Gray})
    colormap_->addItem(QString::fromLatin1(to_string(c)), QString::fromLatin1(to_string(c)));
  opacity_->setRange(0, 100);
  query_->setToolTip(tr("The token whose attention is shown. Click a patch on the image or pick a detection to add one."));
  note_->setWordWrap(true);
  note_->setStyleSheet("color: palette(placeholder-text)");
  share_->setWordWrap(true);
  share_->setToolTip(tr("How this row's attention splits between the prefix tokens (CLS, registers) and the patches. "
                        "Large shares on registers or on a few background patches are the artifacts of "
                        "\"Vision Transformers Need Registers\" (Darcet et al., 2024)."));

  auto* form = new QFormLayout(this);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Query"), query_);
  form->addRow(tr("Layer"), layer_);
  form->addRow(tr("Head"), head_);
  form->addRow(tr("Method"), method_);
  form->addRow(tr("Mask mass"), mass_);
  form->addRow(tr("Rollout discard"), discard_);
  form->addRow(tr("PCA foreground"), foreground_);
  form->addRow(tr("Colormap"), colormap_);
  form->addRow(tr("Opacity"), opacity_);
  form->addRow(fade_);
  auto* scale = new QGridLayout;
  scale->setContentsMargins(0, 0, 0, 0);
  scale->setVerticalSpacing(0);
  scale->addWidget(bar_, 0, 0, 1, 2);
  scale->addWidget(low_, 1, 0, Qt::AlignLeft);
  scale->addWidget(high_, 1, 1, Qt::AlignRight);
  bar_->setScaledContents(true);
  bar_->setFixedHeight(12);
  bar_->setToolTip(tr("Each map's colours span its own minimum to maximum"));
  form->addRow(tr("Scale"), scale);
  form->addRow(visible_);
  form->addRow(tr("Goes to"), share_);
  form->addRow(note_);

  setModelShape(1, 1, {QueryToken{}});
  setSettings({});
  auto changed = [this] {
    updateEnabled();
    emit settingsChanged();
  };
  connect(layer_, &QSpinBox::valueChanged, this, changed);
  connect(head_, &QComboBox::currentIndexChanged, this, changed);
  connect(method_, &QComboBox::currentIndexChanged, this, changed);
  connect(mass_, &QDoubleSpinBox::valueChanged, this, changed);
  connect(discard_, &QDoubleSpinBox::valueChanged, this, changed);
  connect(foreground_, &QDoubleSpinBox::valueChanged, this, changed);
  connect(fade_, &QCheckBox::toggled, this, changed);
  connect(colormap_, &QComboBox::currentIndexChanged, this, changed);
  connect(colormap_, &QComboBox::currentIndexChanged, this, &AttentionPanel::updateBar);
  connect(opacity_, &QSlider::valueChanged, this, changed);
  connect(visible_, &QCheckBox::toggled, this, changed);
  connect(query_, &QComboBox::currentIndexChanged, this, changed);
}

void AttentionPanel::setModelShape(int layers, int heads, const std::vector<QueryToken>& named_queries) {
  const AttentionSettings current = settings();
  {
    const QSignalBlocker b1(layer_), b2(head_), b3(query_);
    layer_->setRange(0, std::max(0, layers - 1));
    fillHeads(heads);
    named_ = named_queries;
    query_->clear();
    for (const QueryToken& q : named_) addQuery(q, query_text(q));
  }
  AttentionSettings kept = current;
  kept.layer = std::min(current.layer, layers - 1);
  if (kept.head >= heads) kept.head = -1;
  const auto named = [&](const QueryToken& q) {
    return std::any_of(named_.begin(), named_.end(), [&](const QueryToken& n) { return n.name() == q.name(); });
  };
  if (!named(kept.query)) kept.query = named_.empty() ? QueryToken{QueryToken::Kind::Patch, 0, 0} : named_.front();
  setSettings(kept);
}

void AttentionPanel::fillHeads(int heads) {
  head_->clear();
  head_->addItem(tr("Mean of all heads"), kFusionCode[0]);
  head_->addItem(tr("Max of all heads"), kFusionCode[1]);
  head_->addItem(tr("Min of all heads"), kFusionCode[2]);
  for (int h = 0; h < heads; ++h) head_->addItem(tr("Head %1").arg(h), h);
}

void AttentionPanel::addQuery(const QueryToken& query, const QString& text) {
  const QString name = QString::fromStdString(query.name());
  if (query_->findData(name) < 0) query_->addItem(text, name);
}

AttentionSettings AttentionPanel::settings() const {
  AttentionSettings s;
  s.layer = layer_->value();
  const int code = head_->currentIndex() >= 0 ? head_->currentData().toInt() : kFusionCode[0];
  s.head = code >= 0 ? code : -1;
  for (int i = 0; i < 3; ++i)
    if (code == kFusionCode[i]) s.fusion = kFusions[i];
  s.method = parse_attention_method(method_->currentData().toString());
  s.mass = mass_->value();
  s.discard = discard_->value();
  s.foreground = foreground_->value();
  s.blend = fade_->isChecked() ? Blend::Ramp : Blend::Uniform;
  s.colormap = parse_colormap(colormap_->currentData().toString().toStdString());
  s.opacity = opacity_->value() / 100.0;
  s.visible = visible_->isChecked();
  if (query_->currentIndex() >= 0) s.query = QueryToken::parse(query_->currentData().toString().toStdString());
  s.target_class = target_class_;
  return s;
}

void AttentionPanel::setSettings(const AttentionSettings& s) {
  {
    const QSignalBlocker b1(layer_), b2(head_), b3(method_), b4(mass_), b5(colormap_), b6(opacity_), b7(visible_), b8(query_),
        b9(discard_), b10(fade_), b11(foreground_);
    layer_->setValue(s.layer);
    head_->setCurrentIndex(std::max(0, head_->findData(head_code(s))));
    method_->setCurrentIndex(std::max(0, method_->findData(QString::fromLatin1(to_string(s.method)))));
    mass_->setValue(s.mass);
    discard_->setValue(s.discard);
    foreground_->setValue(s.foreground);
    fade_->setChecked(s.blend == Blend::Ramp);
    colormap_->setCurrentIndex(std::max(0, colormap_->findData(QString::fromLatin1(to_string(s.colormap)))));
    opacity_->setValue(qRound(s.opacity * 100));
    visible_->setChecked(s.visible);
    target_class_ = s.target_class;
    addQuery(s.query, query_text(s.query));
    query_->setCurrentIndex(query_->findData(QString::fromStdString(s.query.name())));
  }
  updateBar();
  updateEnabled();
  emit settingsChanged();
}

void AttentionPanel::setQuery(const QueryToken& query) {
  AttentionSettings s = settings();
  s.query = query;
  setSettings(s);
}

void AttentionPanel::setShare(const std::optional<AttentionShare>& share) {
  const bool has_registers =
      std::any_of(named_.begin(), named_.end(), [](const QueryToken& q) { return q.kind == QueryToken::Kind::Reg; });
  share_->setText(share ? tr("%1% prefix tokens%2, %3% patches")
                              .arg(100.0 * share->prefix, 0, 'f', 1)
                              .arg(has_registers ? tr(" (registers %1%)").arg(100.0 * share->registers, 0, 'f', 1) : QString())
                              .arg(100.0 * share->patches, 0, 'f', 1)
                        : QString());
}

void AttentionPanel::setNote(const QString& note) {
  note_->setText(note);
  note_->setVisible(!note.isEmpty());
}

void AttentionPanel::setRange(ValueRange range) {
  low_->setText(QString::number(range.low, 'g', 3));
  high_->setText(QString::number(range.high, 'g', 3));
}

void AttentionPanel::updateBar() {
  // The engine's bar is vertical with high values on top; lay it on its side.
  cv::Mat bar;
  cv::rotate(colour_bar(256, 1, settings().colormap), bar, cv::ROTATE_90_CLOCKWISE);
  bar_->setPixmap(QPixmap::fromImage(to_qimage(bar)));
}

void AttentionPanel::updateEnabled() {
  mass_->setEnabled(method_->currentData().toString() == "mask");
  discard_->setEnabled(method_->currentData().toString() == "rollout");
  foreground_->setEnabled(method_->currentData().toString() == "pca");
  fade_->setEnabled(method_->currentData().toString() != "pca");  // PCA colours cover their patches whole
  // The probe's attention is the pooling head's, after the last layer.
  layer_->setEnabled(query_->currentData().toString() != "probe");
}

}  // namespace vitlens::gui
