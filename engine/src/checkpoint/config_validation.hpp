#pragma once
#include <string>

#include "vitlens/model/config.hpp"

namespace vitlens {

// Rejects a configuration no ViT can have (non-positive sizes, heads that do not divide the
// width, images smaller than a patch) before any weight is read, naming `source`, the file
// the values came from.
void validate_config(const VitConfig& config, const std::string& source);

}  // namespace vitlens
