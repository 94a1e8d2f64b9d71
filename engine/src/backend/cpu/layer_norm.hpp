#pragma once
#include <unordered_map>

#include "backend/cpu/onednn.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// A LayerNorm (scale and shift) over the last axis as oneDNN's layer_normalization; the
// primitive for each row count is made on first use and kept.
class PackedLayerNorm {
 public:
  PackedLayerNorm(OneDnn& dnn, const LayerNormWeights& norm, double eps);

  // x [rows, D] -> y [rows, D], dense row-major; x and y must not overlap.
  void run(const float* x, int rows, float* y);

 private:
  dnnl::layer_normalization_forward& primitive_for(int rows);

  OneDnn* dnn_;
  int width_;
  float eps_;
  dnnl::memory scale_, shift_;
  std::unordered_map<int, dnnl::layer_normalization_forward> primitives_;
};

}  // namespace vitlens::cpu
