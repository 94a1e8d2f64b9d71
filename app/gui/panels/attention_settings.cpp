#include "panels/attention_settings.hpp"

namespace vitlens::gui {

const char* to_string(AttentionMethod method) {
  switch (method) {
    case AttentionMethod::Raw: return "raw";
    case AttentionMethod::Rollout: return "rollout";
    case AttentionMethod::Mask: return "mask";
    case AttentionMethod::Relevance: return "relevance";
    case AttentionMethod::Gradcam: return "gradcam";
    case AttentionMethod::Similarity: return "similarity";
    case AttentionMethod::Pca: return "pca";
  }
  return "raw";
}

bool needs_gradients(AttentionMethod method) { return method == AttentionMethod::Relevance || method == AttentionMethod::Gradcam; }

AttentionMethod parse_attention_method(const QString& text) {
  for (AttentionMethod m : {AttentionMethod::Raw, AttentionMethod::Rollout, AttentionMethod::Mask, AttentionMethod::Relevance, AttentionMethod::Gradcam, AttentionMethod::Similarity,
                          AttentionMethod::Pca})
    if (text == QLatin1String(to_string(m))) return m;
  return AttentionMethod::Raw;
}

bool operator==(const AttentionSettings& a, const AttentionSettings& b) {
  return a.layer == b.layer && a.head == b.head && a.fusion == b.fusion && a.method == b.method && a.mass == b.mass &&
         a.discard == b.discard && a.foreground == b.foreground && a.blend == b.blend &&
         a.colormap == b.colormap && a.opacity == b.opacity && a.visible == b.visible && a.query.name() == b.query.name() &&
         a.target_class == b.target_class;
}

namespace {

QString head_name(const AttentionSettings& s) {
  return s.head >= 0 ? QString("head %1").arg(s.head) : QString::fromLatin1(to_string(s.fusion));
}

}  // namespace

// Only what chooses the map is named: relevance runs through every layer and Grad-CAM reads
// the last block, whatever the layer and head controls say; feature maps have no head.
QString describe(const AttentionSettings& s) {
  QString text;
  if (needs_gradients(s.method))
    text = to_string(s.method);
  else if (s.method == AttentionMethod::Similarity || s.method == AttentionMethod::Pca)
    text = QString("layer %1, %2").arg(s.layer).arg(to_string(s.method));
  else
    text = QString("layer %1, %2, %3").arg(s.layer).arg(head_name(s), to_string(s.method));
  if (s.method == AttentionMethod::Mask) text += QString(" %1%").arg(qRound(s.mass * 100));
  if (s.method == AttentionMethod::Rollout && s.discard > 0) text += QString(" discarding %1%").arg(qRound(s.discard * 100));
  if (s.method == AttentionMethod::Pca && s.foreground > 0) text += QString(" of the foreground (%1)").arg(s.foreground);
  if (needs_gradients(s.method)) text += s.target_class >= 0 ? QString(" of class %1").arg(s.target_class) : QString(" of the top class");
  return text + ", query " + QString::fromStdString(s.query.name());
}

QString file_tag(const AttentionSettings& s) {
  const QString head = s.head >= 0 ? QString("H%1").arg(s.head) : QString::fromLatin1(to_string(s.fusion));
  return QString("%1_%2_L%3_%4").arg(to_string(s.method), QString::fromStdString(s.query.file_tag())).arg(s.layer).arg(head);
}

}  // namespace vitlens::gui
