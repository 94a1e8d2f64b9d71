#pragma once
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "backend/cpu/onednn.hpp"
#include "vitlens/model/config.hpp"

namespace vitlens::cpu {

// The oneDNN eltwise algorithm that computes `a`, with its alpha. QuickGELU, x·sigmoid(1.702x),
// is oneDNN's swish with alpha 1.702.
std::pair<dnnl::algorithm, float> eltwise_of(Activation a);

// An activation and its derivative over dense floats, as oneDNN eltwise primitives (made per
// element count on first use and kept). The forward pass fuses the activation into fc1's
// matmul; a traced pass for explanations runs it here, after keeping fc1's output.
class ActivationKernel {
 public:
  ActivationKernel(OneDnn& dnn, Activation activation);

  // y = act(x); x and y may be the same array.
  void forward(const float* x, int64_t count, float* y);
  // dx = act'(x) · dy, from the activation's input x.
  void backward(const float* x, const float* dy, int64_t count, float* dx);

 private:
  struct Primitives {
    dnnl::eltwise_forward forward;
    dnnl::eltwise_backward backward;
  };
  Primitives& primitives_for(int64_t count);

  OneDnn* dnn_;
  Activation activation_;
  std::unordered_map<int64_t, Primitives> primitives_;
};

}  // namespace vitlens::cpu
