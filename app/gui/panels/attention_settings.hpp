#pragma once
#include <QString>

#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/query_token.hpp"

namespace vitlens::gui {

// Pca and Similarity are no attention but the Features view: the first three principal
// components of the patches' final features as colours, and the cosine similarity of the
// query patch's final feature to every patch's.
enum class AttentionMethod { Raw, Rollout, Mask, Relevance, Gradcam, Similarity, Pca };
// Relevance and Grad-CAM come from the gradient of one class's logit.
bool needs_gradients(AttentionMethod method);
const char* to_string(AttentionMethod method);
AttentionMethod parse_attention_method(const QString& text);  // unknown text gives Raw

// What the attention controls show: one map, chosen by layer, head (or a fusion of all
// heads), method and query token, drawn with a colormap at an opacity.
struct AttentionSettings {
  int layer = 0;
  int head = -1;  // a head index, or -1 for `fusion` over every head
  HeadFusion fusion = HeadFusion::Mean;
  AttentionMethod method = AttentionMethod::Raw;
  double mass = 0.6;  // mask: the fraction of attention the kept patches hold
  double discard = 0;  // rollout: the lowest fraction of each layer's fused weights zeroed
  // PCA: 0 for every patch, else the foreground threshold of pca_foreground (the PCA of the
  // foreground only, the background black), as `features --foreground T`.
  double foreground = 0;
  Blend blend = Blend::Ramp;  // low values fade to the image, or one opacity tints it all
  Colormap colormap = Colormap::Viridis;
  double opacity = 0.55;
  bool visible = true;
  QueryToken query;
  int target_class = -1;  // relevance, Grad-CAM: the class explained; -1 for the top class
};

bool operator==(const AttentionSettings& a, const AttentionSettings& b);

// "layer 3, head 1, raw, query cls" for status text, captions and file names' readers; the
// layer and head only where they choose the map ("relevance of class 2, query cls").
QString describe(const AttentionSettings& settings);
// File-name safe: "raw_cls_L3_H1", "rollout_patch2-5_L11_mean".
QString file_tag(const AttentionSettings& settings);

}  // namespace vitlens::gui
