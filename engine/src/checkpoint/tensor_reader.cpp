#include "checkpoint/tensor_reader.hpp"

#include <algorithm>
#include <cmath>

#include "model/tensor_layout.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

Tensor CheckpointReader::tensor(const std::string& name, const std::vector<int64_t>& expected, const std::string& reason) const {
  if (!store_.contains(name)) throw Error(store_.description() + ": tensor '" + name + "' is missing (expected shape " + shape_string(expected) + ")");
  const std::vector<int64_t>& actual = store_.info(name).shape;
  if (actual != expected)
    throw Error(store_.path_of(name) + ": tensor '" + name + "' has shape " + shape_string(actual) + " but " + shape_source_ + " implies " + shape_string(expected) +
                (reason.empty() ? "" : " (" + reason + ")"));
  Tensor values = store_.read(name);
  check_finite(values, name);
  return values;
}

// A NaN or infinity in a weight turns every output into NaN: refuse the checkpoint rather than
// print meaningless classes and maps.
void CheckpointReader::check_finite(const Tensor& values, const std::string& name) const {
  const auto bad = std::find_if(values.data.begin(), values.data.end(), [](float v) { return !std::isfinite(v); });
  if (bad == values.data.end()) return;
  throw Error(store_.path_of(name) + ": tensor '" + name + "' holds " + (std::isnan(*bad) ? "NaN" : "an infinity") + " at element " +
              std::to_string(bad - values.data.begin()) + " (a damaged or diverged checkpoint)");
}

std::optional<Tensor> CheckpointReader::optional_tensor(const std::string& name, const std::vector<int64_t>& expected) const {
  if (!store_.contains(name)) return std::nullopt;
  return tensor(name, expected);
}

Linear CheckpointReader::linear(const std::string& prefix, int64_t out, int64_t in, bool has_bias) const {
  Linear layer;
  layer.weight = tensor(prefix + ".weight", {out, in});
  layer.bias = has_bias ? tensor(prefix + ".bias", {out}) : Tensor({out});
  return layer;
}

LayerNormWeights CheckpointReader::layer_norm(const std::string& prefix, int64_t width) const {
  return {tensor(prefix + ".weight", {width}), tensor(prefix + ".bias", {width})};
}

Linear CheckpointReader::fused_qkv(const std::string& query, const std::string& key, const std::string& value, int64_t d, bool has_bias) const {
  const Linear q = linear(query, d, d, has_bias), k = linear(key, d, d, has_bias), v = linear(value, d, d, has_bias);
  return {concat_rows({q.weight, k.weight, v.weight}, d), reshaped(concat_rows({q.bias, k.bias, v.bias}, d), {3 * d})};
}

bool CheckpointReader::fold_optional_layer_scale(const std::string& name, Linear& layer) const {
  const std::optional<Tensor> gamma = optional_tensor(name, {layer.weight.dim(0)});
  if (gamma) fold_layer_scale(layer, *gamma);
  return gamma.has_value();
}

}  // namespace vitlens
