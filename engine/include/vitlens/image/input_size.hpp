#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "vitlens/model/model.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

// The input size a user asks a model to run at. The CLI's --size and the app's input-size
// control both produce one; input_plan() turns it into a pre-processing configuration.
struct InputSize {
  enum class Kind {
    ModelDefault,  // the checkpoint's own pre-processing
    Side,          // "S": S x S, or the shortest edge for processors that keep the aspect ratio (YOLOS)
    Exact,         // "HxW"
    Native,        // the image's own size, each side rounded to the nearest multiple of the patch size
  };
  Kind kind = Kind::ModelDefault;
  int height = 0;  // Side: S; Exact: H
  int width = 0;   // Side: S; Exact: W

  static InputSize model_default() { return {}; }
  static InputSize side(int s) { return {Kind::Side, s, s}; }
  static InputSize exact(int height, int width) { return {Kind::Exact, height, width}; }
  static InputSize native() { return {Kind::Native, 0, 0}; }

  // "default", "S", "HxW" or "native": what parse_input_size reads back.
  std::string to_string() const;
  bool operator==(const InputSize&) const = default;
};

// The default token limit: generous (a 2048 x 2048 image at patch 16 is 16,385 tokens),
// but it stops a mistyped size from asking for gigabytes of attention.
constexpr int kDefaultMaxTokens = 16384;
// The highest limit a user may set: 2^24 tokens of attention scores are a petabyte per layer.
constexpr int kMaxTokenLimit = 1 << 24;

// The largest side an InputSize may name; anything larger is surely a typo.
constexpr int kMaxInputSide = 65536;

// A size the user wrote that cannot work: malformed, zero, negative, larger than
// kMaxInputSide, smaller than one patch, or not a multiple of the patch size. Front ends
// treat it as a usage mistake (the CLI exits with status 2).
class InputSizeError : public Error {
 public:
  using Error::Error;
};

// Reads "S", "HxW" (also "HXW") or "native"; "default" gives the model's own size.
// Throws InputSizeError naming the text and what is wrong with it.
InputSize parse_input_size(const std::string& text);

// A requested size and the token limit it must stay within.
struct InputOptions {
  InputSize size;
  int max_tokens = kDefaultMaxTokens;
};

// Checks what can be checked before an image is seen: every side names at least one patch
// and, except YOLOS's shortest edge (its processor floors it to size_multiple itself, so it
// must be at least that), is a multiple of the patch size (InputSizeError); a size that fixes the input on its own
// stays within the token limit (vitlens::Error, as input_plan).
void check_input_options(const InputOptions& options, const Model& model);

// The input size (width x height) `size` gives whatever the image, or nullopt when it
// depends on the image: native, YOLOS's shortest edge, a default that keeps the aspect ratio.
std::optional<cv::Size> fixed_input_size(const Model& model, const InputSize& size);

// What a forward pass at a requested size needs: the pre-processing that produces an input
// of exactly that size, the input size and its token count.
struct InputPlan {
  PreprocessConfig preprocess;
  cv::Size input;      // width x height of the model input
  int64_t tokens = 0;  // prefix + patch + detection tokens
};

// Plans the model input for an image of size `image`, the way the checkpoint's framework
// would (docs/preprocessing.md):
//  - ModelDefault: the checkpoint's pre-processing unchanged;
//  - Native, and sizes for processors without a crop: a resize to exactly H x W;
//  - processors that resize then crop: a crop of H x W from an image resized in the same
//    proportion as the checkpoint's (Hugging Face: resize size scaled by resize / crop;
//    timm: floor(H / crop_pct) as timm's resolve_data_config(input_size=...) does);
//  - YOLOS with "S": the shortest edge S, the longest edge cap unchanged.
// Throws what check_input_options throws, and vitlens::Error when the input exceeds
// options.max_tokens tokens (the message names the count, the limit and how to raise it).
InputPlan input_plan(const Model& model, cv::Size image, const InputOptions& options);

// An 8-bit RGB image pre-processed as input_plan says: the model's input [3, H, W].
Tensor model_input(const Model& model, const cv::Mat& rgb, const InputOptions& options);

// The number of tokens an input of `input` pixels gives: prefix + patches + detection tokens.
int64_t token_count(const VitConfig& config, cv::Size input);

}  // namespace vitlens
