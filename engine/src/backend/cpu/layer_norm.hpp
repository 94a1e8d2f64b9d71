#pragma once
#include <vector>

#include "backend/cpu/onednn.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// A LayerNorm (scale and shift) over the last axis, rows spread over OpenMP threads.
// oneDNN 2.6's layer_normalization with scale and shift was measured 50x slower than this
// loop on 2 threads once there are thousands of rows (7.9 ms for 3,501 x 192).
class PackedLayerNorm {
 public:
  PackedLayerNorm(OneDnn& dnn, const LayerNormWeights& norm, double eps);

  // x [rows, D] -> y [rows, D], dense row-major; x and y must not overlap. Waits for the
  // stream first: x is usually what the last primitive wrote.
  void run(const float* x, int rows, float* y) const;

  // The gradient at the input x [rows, D] from the gradient dy at the output, written to dx,
  // or added to it with `accumulate` (a norm on a residual branch). Waits for the stream first.
  void backward(const float* x, const float* dy, int rows, float* dx, bool accumulate) const;

 private:
  OneDnn* dnn_;
  std::vector<float> scale_, shift_;
  float eps_;
};

}  // namespace vitlens::cpu
