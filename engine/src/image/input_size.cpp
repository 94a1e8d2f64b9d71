#include "vitlens/image/input_size.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "vitlens/image/preprocess.hpp"

namespace vitlens {
namespace {

const char* const kSizeForms = "write S, HxW (height x width in pixels) or native";

// "16,384": token counts are easier to compare with the limit when grouped.
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

int parse_side(const std::string& whole, const std::string& part) {
  int value = 0;
  const char* end = part.data() + part.size();
  const auto [ptr, ec] = std::from_chars(part.data(), end, value);
  const bool digits_only = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits_only && part.size() > 1 && part[0] == '-')
    throw InputSizeError("input size '" + whole + "' is negative; " + kSizeForms);
  if (!digits_only) throw InputSizeError("input size '" + whole + "' is not valid; " + kSizeForms);
  if (ec == std::errc::result_out_of_range || ptr != end || value > kMaxInputSide)
    throw InputSizeError("input size '" + whole + "' is too large: a side is at most " + std::to_string(kMaxInputSide) +
                         " pixels");
  if (value == 0) throw InputSizeError("input size '" + whole + "' has a zero side; sides are at least one patch");
  return value;
}

int nearest_multiple(int value, int step) { return std::max(step, (value + step / 2) / step * step); }

bool keeps_aspect_without_crop(const PreprocessConfig& c) {
  return c.do_resize && c.resize_mode == PreprocessConfig::ResizeMode::ShortestEdgeCapped;
}

PreprocessConfig resized_exactly(PreprocessConfig c, int height, int width) {
  c.do_resize = true;
  c.resize_mode = PreprocessConfig::ResizeMode::Exact;
  c.height = height;
  c.width = width;
  c.do_center_crop = false;
  return c;
}

// timm's transforms_imagenet_eval for input_size (3, H, W): scale_size = floor(H / crop_pct),
// floor(W / crop_pct); crop_mode "squash" resizes to it exactly, "center" resizes the
// shortest edge when it is square and with ResizeKeepRatio otherwise (which timm builds
// without passing the interpolation, so it is bilinear); then CenterCrop(H, W).
PreprocessConfig timm_cropped(PreprocessConfig c, int height, int width) {
  const int scaled_height = static_cast<int>(std::floor(height / c.crop_pct));
  const int scaled_width = static_cast<int>(std::floor(width / c.crop_pct));
  if (c.resize_mode == PreprocessConfig::ResizeMode::Exact) {
    c.height = scaled_height;
    c.width = scaled_width;
  } else if (scaled_height == scaled_width) {
    c.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    c.shortest_edge = scaled_height;
  } else {
    c.resize_mode = PreprocessConfig::ResizeMode::Cover;
    c.resample = Resample::Bilinear;
    c.height = scaled_height;
    c.width = scaled_width;
  }
  c.crop_height = height;
  c.crop_width = width;
  return c;
}

// A Hugging Face processor called with size= and crop_size= scaled together: the crop is
// H x W, and the resize keeps the checkpoint's resize-to-crop proportion (DeiT: 256 -> 224).
PreprocessConfig hugging_face_cropped(PreprocessConfig c, int height, int width) {
  if (c.resize_mode == PreprocessConfig::ResizeMode::Exact) {
    c.height = static_cast<int>(int64_t{height} * c.height / c.crop_height);
    c.width = static_cast<int>(int64_t{width} * c.width / c.crop_width);
  } else {
    c.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    c.shortest_edge = static_cast<int>(std::max(int64_t{height} * c.shortest_edge / c.crop_height,
                                                int64_t{width} * c.shortest_edge / c.crop_width));
  }
  c.crop_height = height;
  c.crop_width = width;
  return c;
}

PreprocessConfig sized(const PreprocessConfig& base, int height, int width) {
  if (!base.do_resize || !base.do_center_crop) return resized_exactly(base, height, width);
  return base.crop_pct > 0 ? timm_cropped(base, height, width) : hugging_face_cropped(base, height, width);
}

// The token count of `input`, or vitlens::Error when it is over the limit.
int64_t check_token_limit(const VitConfig& config, cv::Size input, int max_tokens) {
  const int64_t tokens = token_count(config, input);
  if (tokens > max_tokens)
    throw Error("an input of " + std::to_string(input.height) + "x" + std::to_string(input.width) + " is " +
                grouped(tokens) + " tokens, more than the limit of " + grouped(max_tokens) +
                "; choose a smaller size or raise the limit (vitlens-cli --max-tokens N, or Max tokens in the "
                "app's toolbar)");
  return tokens;
}

PreprocessConfig planned_preprocess(const Model& model, cv::Size image, const InputSize& size) {
  const PreprocessConfig& base = model.preprocess;
  const int patch = model.config.patch_size;
  switch (size.kind) {
    case InputSize::Kind::ModelDefault:
      return base;
    case InputSize::Kind::Native:
      return resized_exactly(base, nearest_multiple(image.height, patch), nearest_multiple(image.width, patch));
    case InputSize::Kind::Side:
      if (keeps_aspect_without_crop(base)) {
        PreprocessConfig c = base;
        c.shortest_edge = size.height;
        return c;
      }
      return sized(base, size.height, size.width);
    case InputSize::Kind::Exact:
      return sized(base, size.height, size.width);
  }
  return base;
}

// Each side names at least one patch and is a multiple of the patch size, except YOLOS's
// shortest edge, which its processor floors to a multiple itself (so it must reach one).
void check_patch_multiples(const InputSize& size, const Model& model) {
  if (size.kind != InputSize::Kind::Side && size.kind != InputSize::Kind::Exact) return;
  const int patch = model.config.patch_size;
  if (size.height < patch || size.width < patch)
    throw InputSizeError("input size " + size.to_string() + " is smaller than one patch (" + std::to_string(patch) +
                         " pixels) of this model");
  const bool image_dependent = size.kind == InputSize::Kind::Side && keeps_aspect_without_crop(model.preprocess);
  const int multiple = model.preprocess.size_multiple;
  if (image_dependent && size.height < multiple)
    throw InputSizeError("input size " + size.to_string() + ": this detector's processor floors sides to multiples of " +
                         std::to_string(multiple) + " pixels, so its shortest edge must be at least " +
                         std::to_string(multiple));
  if (!image_dependent && (size.height % patch || size.width % patch)) {
    const InputSize nearest = size.kind == InputSize::Kind::Side
                                  ? InputSize::side(nearest_multiple(size.height, patch))
                                  : InputSize::exact(nearest_multiple(size.height, patch), nearest_multiple(size.width, patch));
    throw InputSizeError("input size " + size.to_string() + " is not a multiple of this model's patch size (" +
                         std::to_string(patch) + " pixels); try " + nearest.to_string());
  }
}

}  // namespace

std::string InputSize::to_string() const {
  switch (kind) {
    case Kind::ModelDefault: return "default";
    case Kind::Side: return std::to_string(height);
    case Kind::Exact: return std::to_string(height) + "x" + std::to_string(width);
    case Kind::Native: return "native";
  }
  return "default";
}

InputSize parse_input_size(const std::string& text) {
  if (text == "native") return InputSize::native();
  if (text == "default") return InputSize::model_default();
  const size_t x = text.find_first_of("xX");
  if (x == std::string::npos) return InputSize::side(parse_side(text, text));
  return InputSize::exact(parse_side(text, text.substr(0, x)), parse_side(text, text.substr(x + 1)));
}

void check_input_options(const InputOptions& options, const Model& model) {
  check_patch_multiples(options.size, model);
  if (const std::optional<cv::Size> input = fixed_input_size(model, options.size))
    check_token_limit(model.config, *input, options.max_tokens);
}

std::optional<cv::Size> fixed_input_size(const Model& model, const InputSize& size) {
  const PreprocessConfig& p = model.preprocess;
  switch (size.kind) {
    case InputSize::Kind::Native:
      return std::nullopt;
    case InputSize::Kind::Side:
      if (keeps_aspect_without_crop(p)) return std::nullopt;
      return cv::Size(size.width, size.height);
    case InputSize::Kind::Exact:
      return cv::Size(size.width, size.height);
    case InputSize::Kind::ModelDefault:
      if (p.do_center_crop) return cv::Size(p.crop_width, p.crop_height);
      if (p.do_resize && p.resize_mode == PreprocessConfig::ResizeMode::Exact) return cv::Size(p.width, p.height);
      return std::nullopt;
  }
  return std::nullopt;
}

int64_t token_count(const VitConfig& config, cv::Size input) {
  const int patch = config.patch_size;
  return config.num_prefix_tokens + int64_t{input.height / patch} * (input.width / patch) + config.num_detection_tokens;
}

InputPlan input_plan(const Model& model, cv::Size image, const InputOptions& options) {
  check_input_options(options, model);
  InputPlan plan;
  plan.preprocess = planned_preprocess(model, image, options.size);
  plan.input = input_geometry(image, plan.preprocess).crop.size();
  plan.tokens = check_token_limit(model.config, plan.input, options.max_tokens);
  return plan;
}

Tensor model_input(const Model& model, const cv::Mat& rgb, const InputOptions& options) {
  return preprocess(rgb, input_plan(model, rgb.size(), options).preprocess);
}

}  // namespace vitlens
