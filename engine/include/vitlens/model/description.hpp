#pragma once
#include <string>
#include <vector>

#include "vitlens/model/model.hpp"

namespace vitlens {

// One line of a model's description: "layers" and "12".
struct ModelFact {
  std::string name;
  std::string value;
};

// What a model is, in words, for people: architecture, sizes, tokens, classes and every
// pre-processing step (the longest-edge cap and the patch-multiple flooring included). The
// one description `vitlens-cli info` prints and the app's Model > Info shows.
std::vector<ModelFact> describe_model(const Model& model);

// "image classifier", "object detector" or "encoder (features and attention only)".
std::string model_kind(const Model& model);

// How images are resized before the model sees them: "224x224 (exact), bilinear",
// "shortest edge 800, longest edge at most 1333, sides floored to multiples of 16, bilinear",
// or "none".
std::string resize_description(const PreprocessConfig& preprocess);

}  // namespace vitlens
