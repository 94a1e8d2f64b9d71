#pragma once
#include "util/json_file.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens {

// What ViTImageProcessor does when a folder has no preprocessor_config.json: squash to the
// model's image size with bilinear resampling, rescale by 1/255, mean = std = 0.5. For a
// YOLOS detector, YolosImageProcessor's defaults instead (see default_yolos_preprocess).
PreprocessConfig default_vit_preprocess(const VitConfig& model);

// A Hugging Face preprocessor_config.json; fields it leaves out keep `defaults` (the model
// family's image processor defaults, default_vit_preprocess for ViT, DeiT and YOLOS).
PreprocessConfig read_preprocessor_config(const JsonFile& file, const VitConfig& model, const PreprocessConfig& defaults);

// timm's evaluation transform as its pretrained_cfg describes it: resize the shortest edge to
// floor(input_size / crop_pct) with the named interpolation, centre-crop input_size,
// normalise. Absent fields take timm's defaults (bicubic, crop_pct 0.9, ImageNet mean/std);
// input_size defaults to the model's training resolution.
PreprocessConfig timm_eval_preprocess(const JsonFile& pretrained_cfg, const VitConfig& model);

}  // namespace vitlens
