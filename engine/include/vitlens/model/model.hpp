#pragma once
#include <optional>
#include <string>
#include <vector>

#include "vitlens/model/config.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

struct Linear {
  Tensor weight;  // [out, in]
  Tensor bias;    // [out]
};

struct LayerNormWeights {
  Tensor weight;  // [D]
  Tensor bias;    // [D]
};

// One pre-norm encoder block: h = x + proj(attn(norm1(x))); y = h + fc2(act(fc1(norm2(h)))).
// LayerScale (timm ls1/ls2, Hugging Face lambda1) is folded into proj and fc2 when loading.
// With MlpKind::SwiGlu fc1 is [2I, D]: its first I outputs are the gate, the rest the value.
struct EncoderLayerWeights {
  LayerNormWeights norm1;
  Linear qkv;  // fused [3D, D]: rows q, then k, then v; head h owns rows h*dh..(h+1)*dh of each
  Linear proj;
  LayerNormWeights norm2;
  Linear fc1;  // [I, D] (SwiGLU: [2I, D])
  Linear fc2;  // [D, I]
  // BEiT: [(2 Gh - 1)(2 Gw - 1) + 3, heads] for the training grid Gh x Gw, added to the
  // attention logits before the softmax (model/relative_position_bias.hpp); empty without.
  Tensor relative_position_bias{};
};

// YOLOS's two 3-layer MLPs on each detection token: Linear, ReLU, Linear, ReLU, Linear.
struct DetectionHeadWeights {
  std::vector<Linear> class_mlp;  // [D, D], [D, D], [num_classes + 1, D]; the last is "no object"
  std::vector<Linear> box_mlp;    // [D, D], [D, D], [4, D]; sigmoid gives (cx, cy, w, h) in [0, 1]
};

// SigLIP's attention-pooling head (timm AttentionPoolLatent, transformers
// SiglipMultiheadAttentionPoolingHead): one learned probe query attends over every token with
// its own multi-head attention, then a pre-norm MLP with a residual; the probe's output is the
// image's feature.
struct ProbeHeadWeights {
  Tensor probe;  // [D]
  Linear q;      // [D, D]
  Linear kv;     // [2D, D]: keys, then values
  Linear proj;   // [D, D]
  LayerNormWeights norm;
  Linear fc1;  // [I, D]
  Linear fc2;  // [D, I]
};

// Canonical ViT weights. Every loader (Hugging Face, timm) produces exactly this, so the
// CPU reference and the Vulkan engine have one source of truth.
struct VitWeights {
  Linear patch_embed;    // weight [D, C*P*P] flattened in (channel, row, column) order
  Tensor prefix_tokens;  // [num_prefix_tokens, D]: CLS, distillation, registers
  Tensor suffix_tokens;  // [num_detection_tokens, D]: YOLOS's detection tokens, after the patches
  // [positioned_prefix_tokens + grid_h*grid_w + num_detection_tokens, D]
  Tensor pos_embed;
  std::optional<LayerNormWeights> pre_norm;  // CLIP: on the embeddings, before the first block
  // YOLOS mid-position embeddings: one table shaped like pos_embed per layer but the last,
  // added to the output of layers 0..L-2. Empty when the model has none.
  std::vector<Tensor> mid_pos_embed;
  std::vector<EncoderLayerWeights> layers;
  std::optional<LayerNormWeights> final_norm;  // absent when timm uses fc_norm instead
  std::optional<LayerNormWeights> fc_norm;     // on the pooled feature (timm fc_norm, CLIP's post_layernorm)
  std::optional<ProbeHeadWeights> probe;       // Pooling::Probe
  std::vector<Linear> heads;                   // logits = mean over heads (DeiT distilled: 2)
  std::optional<Linear> projection;            // [projection_size, D] on the pooled feature (CLIP)
  std::optional<DetectionHeadWeights> detection;  // YOLOS; read the last num_detection_tokens tokens
};

struct Model {
  std::string path;  // folder or .safetensors file it was loaded from
  VitConfig config;
  PreprocessConfig preprocess;
  std::vector<std::string> labels;  // one per class; "LABEL_i" when the checkpoint names none
  VitWeights weights;
  // Sum of the sizes of every tensor the checkpoint stores, set by load_model.
  int64_t checkpoint_parameters = 0;
  // What the loader chose that the user should be told (which weights of a nested PyTorch
  // checkpoint were taken, prefixes removed).
  std::vector<std::string> notes;

  // The checkpoint's parameter count, as timm and transformers report it. It counts what the
  // file stores, not the canonical weights: those lack LayerScale gammas (2*D per layer,
  // folded into proj and fc2) and an unused pooler, and add zero qkv biases where the
  // checkpoint has none.
  int64_t parameter_count() const { return checkpoint_parameters; }
  bool has_classifier() const { return config.num_classes > 0 && !has_detector(); }
  // A YOLOS detector: its classes are those of the detection heads, not of an image classifier.
  bool has_detector() const { return weights.detection.has_value(); }
};

}  // namespace vitlens
