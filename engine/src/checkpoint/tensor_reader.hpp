#pragma once
#include <optional>
#include <string>
#include <vector>

#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// Reads checkpoint tensors with the shapes the model configuration implies. Both the
// Hugging Face and the timm loaders read through this, so a missing tensor or a wrong shape
// is reported the same way: by the tensor's own name, its file, the actual and the expected
// shape, and what the expectation came from.
class CheckpointReader {
 public:
  // `shape_source` names what the expected shapes come from ("config.json", "the other tensors").
  CheckpointReader(const TensorStore& store, std::string shape_source) : store_(store), shape_source_(std::move(shape_source)) {}

  const TensorStore& store() const { return store_; }
  bool contains(const std::string& name) const { return store_.contains(name); }

  // `reason` explains the expectation in config terms, e.g. "hidden_size 768".
  Tensor tensor(const std::string& name, const std::vector<int64_t>& expected, const std::string& reason = "") const;
  std::optional<Tensor> optional_tensor(const std::string& name, const std::vector<int64_t>& expected) const;

  // "<prefix>.weight" [out, in] and "<prefix>.bias" [out]; a bias the layer was built
  // without (qkv_bias false) becomes zeros.
  Linear linear(const std::string& prefix, int64_t out, int64_t in, bool has_bias = true) const;
  LayerNormWeights layer_norm(const std::string& prefix, int64_t width) const;
  // Separate query, key and value layers [d, d] stacked into one [3d, d] qkv layer.
  Linear fused_qkv(const std::string& query, const std::string& key, const std::string& value, int64_t d, bool has_bias = true) const;
  // LayerScale's gamma [width] folded into `layer` (see fold_layer_scale), when the tensor exists.
  bool fold_optional_layer_scale(const std::string& name, Linear& layer) const;

 private:
  void check_finite(const Tensor& values, const std::string& name) const;

  const TensorStore& store_;
  std::string shape_source_;
};

}  // namespace vitlens
