#pragma once
#include <array>
#include <string>
#include <vector>

namespace vitlens {

enum class Activation { GeluErf, GeluTanh, QuickGelu, Relu };

// How the classification head(s) read the encoder output.
enum class Pooling {
  Token,  // head i reads token i (CLS; DeiT's distillation head reads token 1)
  Mean,   // every head reads the mean of the patch tokens (timm global_pool="avg")
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
  int num_prefix_tokens = 1;         // CLS, plus DeiT's distillation token
  int num_detection_tokens = 0;      // YOLOS: detection tokens appended after the patches
  bool pos_embed_has_prefix = true;  // false for timm no_embed_class models
  PositionResample position_resample = PositionResample::Bicubic;  // set by the loader's framework
  double layer_norm_eps = 1e-12;
  Activation activation = Activation::GeluErf;
  Pooling pooling = Pooling::Token;
  int num_classes = 0;  // 0 for a bare encoder (ViTModel, DINO)

  int head_dim() const { return hidden_size / num_heads; }
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

}  // namespace vitlens
