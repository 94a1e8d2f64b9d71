#pragma once
#include <array>
#include <string>
#include <vector>

namespace vitlens {

enum class Activation { GeluErf, GeluTanh, QuickGelu, Relu };

// The feed-forward half of each block.
enum class MlpKind {
  Plain,   // fc2(act(fc1(x)))
  SwiGlu,  // DINOv2 giant: fc1 gives [gate | value] halves; fc2(silu(gate) * value)
};

// How the encoder output becomes the one feature vector the heads (classifier, projection) read.
enum class Pooling {
  Token,       // head i reads token i (CLS; DeiT's distillation head reads token 1)
  Mean,        // the mean of the patch tokens (timm global_pool="avg", BEiT)
  ClsAndMean,  // DINOv2's classifier: [CLS, mean of the patch tokens], 2 x hidden size
  Probe,       // SigLIP's attention-pooling head: a learned probe attends over every token
};

// How position embeddings follow an input size other than the training one; each
// framework has its own (see interpolate_pos_embed).
enum class PositionResample {
  Bicubic,             // Hugging Face interpolate_pos_encoding=True
  AntialiasedBicubic,  // timm dynamic_img_size (resample_abs_pos_embed)
};

// The shape of a ViT encoder, whatever file format it came from.
struct VitConfig {
  std::string architecture;  // as the checkpoint names it, e.g. "ViTForImageClassification"
  std::string format;        // "huggingface" or "timm"
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int mlp_size = 0;
  int patch_size = 16;
  int num_channels = 3;
  int image_height = 224;  // training resolution: position embeddings cover this grid
  int image_width = 224;
  std::string family;         // what users call the model: "ViT", "DeiT", "DINOv2", "CLIP", ...
  // Tokens before the patches, in order: CLS (absent in SigLIP), DeiT's distillation token,
  // then register tokens (DINOv2 with registers).
  int num_prefix_tokens = 1;
  bool class_token = true;
  int num_register_tokens = 0;
  int num_detection_tokens = 0;      // YOLOS: detection tokens appended after the patches
  // Whether pos_embed has rows for the prefix tokens (false for timm no_embed_class models).
  // Hugging Face's DINOv2 adds registers after the position embeddings: they have no rows.
  bool pos_embed_has_prefix = true;
  bool registers_have_positions = false;
  PositionResample position_resample = PositionResample::Bicubic;  // set by the loader's framework
  double layer_norm_eps = 1e-12;
  Activation activation = Activation::GeluErf;
  MlpKind mlp = MlpKind::Plain;
  bool layer_scale = false;  // folded into the weights when loading; said by `info`
  // BEiT: each layer adds a learned bias per head and relative patch offset to its attention
  // logits (EncoderLayerWeights::relative_position_bias).
  bool relative_position_bias = false;
  Pooling pooling = Pooling::Token;
  int num_classes = 0;       // 0 for a bare encoder (ViTModel, DINO)
  int projection_size = 0;   // CLIP's projection into the joint image-text embedding; 0 if none

  int head_dim() const { return hidden_size / num_heads; }
  // The leading prefix tokens that receive a position embedding row.
  int positioned_prefix_tokens() const {
    if (!pos_embed_has_prefix) return 0;
    return registers_have_positions ? num_prefix_tokens : num_prefix_tokens - num_register_tokens;
  }
  int first_register() const { return num_prefix_tokens - num_register_tokens; }
  int grid_height() const { return image_height / patch_size; }
  int grid_width() const { return image_width / patch_size; }
};

enum class Resample { Nearest, Bilinear, Bicubic, Lanczos };

// Image pre-processing as preprocessor_config.json (or timm's pretrained_cfg) describes it.
struct PreprocessConfig {
  enum class ResizeMode {
    Exact,         // squash to height x width (HF ViTImageProcessor)
    ShortestEdge,  // scale so the shorter side is shortest_edge, keeping aspect ratio
    // YOLOS (transformers' YolosImageProcessor): shorter side to shortest_edge unless the
    // longer would exceed longest_edge, then both sides floored to multiples of size_multiple.
    ShortestEdgeCapped,
    // timm's ResizeKeepRatio: the smallest aspect-keeping scale that covers height x width,
    // each side rounded half to even (timm's non-square centre crops).
    Cover,
  };
  // Where a centre crop starts when the margin is odd: transformers floors half the margin,
  // torchvision's CenterCrop (timm) rounds it half to even.
  enum class CropRounding { Floor, HalfEven };
  bool do_resize = true;
  ResizeMode resize_mode = ResizeMode::Exact;
  int height = 224;  // Exact, Cover
  int width = 224;
  int shortest_edge = 224;  // ShortestEdge, ShortestEdgeCapped
  int longest_edge = 1333;  // ShortestEdgeCapped
  int size_multiple = 16;   // ShortestEdgeCapped
  Resample resample = Resample::Bilinear;
  bool do_center_crop = false;
  int crop_height = 224;
  int crop_width = 224;
  CropRounding crop_rounding = CropRounding::Floor;
  // timm's crop_pct (0 for Hugging Face processors): a timm input size H x W is cropped
  // from an image resized to floor(H / crop_pct) x floor(W / crop_pct).
  double crop_pct = 0.0;
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  std::array<float, 3> mean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> std{0.5f, 0.5f, 0.5f};
};

const char* to_string(Activation a);
const char* to_string(Resample r);
const char* to_string(Pooling p);
const char* to_string(MlpKind m);

}  // namespace vitlens
