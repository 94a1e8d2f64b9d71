#include "checkpoint/preprocessor_config.hpp"

#include <cmath>

namespace vitlens {

using json = nlohmann::json;

namespace {

constexpr std::array<float, 3> kImagenetMean{0.485f, 0.456f, 0.406f};
constexpr std::array<float, 3> kImagenetStd{0.229f, 0.224f, 0.225f};

struct Size {
  int height;
  int width;
};

int positive(const JsonFile& file, const std::string& key, const json& value) {
  if (!value.is_number_integer() || value.get<int64_t>() <= 0 || value.get<int64_t>() > 1'000'000) file.fail("\"" + key + "\" has an invalid size " + value.dump());
  return value.get<int>();
}

// HF sizes are a bare int (square) or {"height", "width"}.
Size square_or_height_width(const JsonFile& file, const std::string& key) {
  const json& value = file.root()[key];
  if (value.is_object() && value.contains("height") && value.contains("width")) return {positive(file, key, value["height"]), positive(file, key, value["width"])};
  const int side = positive(file, key, value);
  return {side, side};
}

// YolosImageProcessor reads a bare int size (older configs: "size": 512, "max_size": 1333)
// as the shortest edge with the longest capped at max_size, 1333 when absent.
void read_yolos_resize(const JsonFile& file, PreprocessConfig& config) {
  const json& size = file.root()["size"];
  if (size.is_object() && !(size.contains("shortest_edge") && size.contains("longest_edge")))
    file.fail("\"size\" " + size.dump() + " is not supported for a YOLOS model (expected {\"shortest_edge\", \"longest_edge\"} or a number)");
  config.resize_mode = PreprocessConfig::ResizeMode::ShortestEdgeCapped;
  config.shortest_edge = positive(file, "size", size.is_object() ? size["shortest_edge"] : size);
  config.longest_edge = size.is_object() ? positive(file, "size", size["longest_edge"]) : file.has("max_size") ? positive(file, "max_size", file.root()["max_size"]) : 1333;
}

void read_resize(const JsonFile& file, PreprocessConfig& config, const VitConfig& model) {
  if (model.num_detection_tokens > 0) return read_yolos_resize(file, config);
  const json& size = file.root()["size"];
  // CLIPImageProcessor and BitImageProcessor (DINOv2) read a bare number as the shortest edge
  // (get_size_dict with default_to_square=False); ViTImageProcessor as a square.
  const bool bare_is_shortest_edge = config.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge && size.is_number();
  if ((size.is_object() && size.contains("shortest_edge")) || bare_is_shortest_edge) {
    config.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    config.shortest_edge = positive(file, "size", size.is_object() ? size["shortest_edge"] : size);
    return;
  }
  const Size exact = square_or_height_width(file, "size");
  config.resize_mode = PreprocessConfig::ResizeMode::Exact;
  config.height = exact.height;
  config.width = exact.width;
}

Resample pil_resample(const JsonFile& file) {
  switch (file.integer("resample", 2)) {
    case 0: return Resample::Nearest;
    case 1: return Resample::Lanczos;
    case 2: return Resample::Bilinear;
    case 3: return Resample::Bicubic;
  }
  file.fail("\"resample\" " + file.root()["resample"].dump() + " is not supported (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic)");
}

// A per-channel value list; HF also allows one number for all channels.
std::array<float, 3> channel_values(const JsonFile& file, const std::string& key, std::array<float, 3> fallback) {
  if (!file.has(key)) return fallback;
  const json& value = file.root()[key];
  if (value.is_number()) return {value.get<float>(), value.get<float>(), value.get<float>()};
  if (!value.is_array() || value.size() != 3 || !value[0].is_number() || !value[1].is_number() || !value[2].is_number())
    file.fail("\"" + key + "\" should list 3 numbers (one per RGB channel), not " + value.dump());
  return {value[0].get<float>(), value[1].get<float>(), value[2].get<float>()};
}

Resample timm_interpolation(const JsonFile& cfg) {
  const std::string name = cfg.string("interpolation", "bicubic");
  if (name == "bicubic") return Resample::Bicubic;
  if (name == "bilinear") return Resample::Bilinear;
  if (name == "nearest") return Resample::Nearest;
  if (name == "lanczos") return Resample::Lanczos;
  cfg.fail("pretrained_cfg interpolation '" + name + "' is not supported (bicubic, bilinear, nearest, lanczos)");
}

Size timm_input_size(const JsonFile& cfg, const VitConfig& model) {
  if (!cfg.has("input_size")) return {model.image_height, model.image_width};
  const json& value = cfg.root()["input_size"];
  if (!value.is_array() || value.size() != 3) cfg.fail("pretrained_cfg \"input_size\" should be [channels, height, width], not " + value.dump());
  return {positive(cfg, "input_size", value[1]), positive(cfg, "input_size", value[2])};
}

}  // namespace

// YolosImageProcessor's defaults: shortest edge 800, longest 1333, multiples of 16, bilinear,
// ImageNet mean and std.
PreprocessConfig default_yolos_preprocess() {
  PreprocessConfig config;
  config.resize_mode = PreprocessConfig::ResizeMode::ShortestEdgeCapped;
  config.shortest_edge = 800;
  config.longest_edge = 1333;
  config.size_multiple = 16;
  config.mean = kImagenetMean;
  config.std = kImagenetStd;
  return config;
}

PreprocessConfig default_vit_preprocess(const VitConfig& model) {
  if (model.num_detection_tokens > 0) return default_yolos_preprocess();
  PreprocessConfig config;
  config.height = model.image_height;
  config.width = model.image_width;
  return config;
}

PreprocessConfig read_preprocessor_config(const JsonFile& file, const VitConfig& model, const PreprocessConfig& defaults) {
  PreprocessConfig config = defaults;
  config.do_resize = file.boolean("do_resize", config.do_resize);
  if (file.has("size")) read_resize(file, config, model);
  if (file.has("resample")) config.resample = pil_resample(file);
  config.do_center_crop = file.boolean("do_center_crop", config.do_center_crop);
  if (file.has("crop_size")) {
    const Size crop = square_or_height_width(file, "crop_size");
    config.crop_height = crop.height;
    config.crop_width = crop.width;
  }
  config.do_rescale = file.boolean("do_rescale", config.do_rescale);
  config.rescale_factor = file.number("rescale_factor", config.rescale_factor);
  config.do_normalize = file.boolean("do_normalize", config.do_normalize);
  config.mean = channel_values(file, "image_mean", config.mean);
  config.std = channel_values(file, "image_std", config.std);
  // Normalisation divides by the standard deviation.
  for (float std : config.std)
    if (!(std > 0.0f && std::isfinite(std))) file.fail("\"image_std\" values must be positive, not " + file.root()["image_std"].dump());
  return config;
}

PreprocessConfig timm_eval_preprocess(const JsonFile& cfg, const VitConfig& model) {
  const Size input = timm_input_size(cfg, model);
  const double crop_pct = cfg.number("crop_pct", 0.9);
  if (!(crop_pct > 0.0 && crop_pct <= 1.0)) cfg.fail("pretrained_cfg \"crop_pct\" " + std::to_string(crop_pct) + " is not in (0, 1]");
  const std::string crop_mode = cfg.string("crop_mode", "center");
  if (crop_mode != "center" && crop_mode != "squash") cfg.fail("pretrained_cfg crop_mode '" + crop_mode + "' is not supported (center, squash)");

  PreprocessConfig config;
  const int scaled_height = static_cast<int>(std::floor(input.height / crop_pct));
  const int scaled_width = static_cast<int>(std::floor(input.width / crop_pct));
  if (crop_mode == "center") {
    // timm keeps the aspect ratio with a per-axis rule for non-square inputs, which
    // PreprocessConfig cannot express.
    if (input.height != input.width) cfg.fail("pretrained_cfg input_size " + std::to_string(input.height) + "x" + std::to_string(input.width) + " is not square; only square centre crops are supported");
    config.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
    config.shortest_edge = scaled_height;
  } else {
    config.resize_mode = PreprocessConfig::ResizeMode::Exact;
    config.height = scaled_height;
    config.width = scaled_width;
  }
  config.resample = timm_interpolation(cfg);
  config.do_center_crop = true;
  config.crop_height = input.height;
  config.crop_width = input.width;
  config.crop_rounding = PreprocessConfig::CropRounding::HalfEven;
  config.crop_pct = crop_pct;
  config.mean = channel_values(cfg, "mean", kImagenetMean);
  config.std = channel_values(cfg, "std", kImagenetStd);
  return config;
}

}  // namespace vitlens
