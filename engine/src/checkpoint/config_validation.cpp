#include "checkpoint/config_validation.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

void require_positive(int value, const char* field, const std::string& source) {
  if (value <= 0) throw Error(source + ": " + field + " is " + std::to_string(value) + ", but must be positive");
}

}  // namespace

void validate_config(const VitConfig& c, const std::string& source) {
  require_positive(c.hidden_size, "hidden_size", source);
  require_positive(c.num_layers, "num_hidden_layers", source);
  require_positive(c.num_heads, "num_attention_heads", source);
  require_positive(c.mlp_size, "intermediate_size", source);
  require_positive(c.patch_size, "patch_size", source);
  require_positive(c.num_channels, "num_channels", source);
  if (c.hidden_size % c.num_heads != 0)
    throw Error(source + ": hidden_size " + std::to_string(c.hidden_size) + " is not divisible by " + std::to_string(c.num_heads) + " attention heads");
  if (c.image_height < c.patch_size || c.image_width < c.patch_size)
    throw Error(source + ": image size " + std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + " is smaller than one " + std::to_string(c.patch_size) + "-pixel patch");
  if (c.num_classes < 0) throw Error(source + ": the number of classes is " + std::to_string(c.num_classes));
  if (!(c.layer_norm_eps > 0.0)) throw Error(source + ": layer_norm_eps " + std::to_string(c.layer_norm_eps) + " must be positive");
}

}  // namespace vitlens
