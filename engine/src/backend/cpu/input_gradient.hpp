#pragma once
#include <unordered_map>

#include "backend/cpu/onednn.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cpu {

// The gradient at a linear layer's input, dx = dy·W, for the backward pass of explanations.
// W [out, in] row-major is already the matmul's plain {out, in} weights, so they are read in
// place from the model: explaining costs no second copy of the weights. The matmul for each
// row count is made on first use and kept.
class InputGradient {
 public:
  InputGradient(OneDnn& dnn, const Linear& layer);

  // dy [rows, out] -> dx [rows, in], both dense row-major.
  void run(const float* dy, int rows, float* dx);

 private:
  WithScratchpad<dnnl::matmul>& matmul_for(int rows);

  OneDnn* dnn_;
  const float* weight_;
  int in_ = 0, out_ = 0;
  std::unordered_map<int, WithScratchpad<dnnl::matmul>> matmuls_;
};

}  // namespace vitlens::cpu
