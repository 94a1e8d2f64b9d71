#include "backend/cpu/activation.hpp"

namespace vitlens::cpu {

std::pair<dnnl::algorithm, float> eltwise_of(Activation a) {
  using Algorithm = dnnl::algorithm;
  switch (a) {
    case Activation::GeluErf: return {Algorithm::eltwise_gelu_erf, 0.0f};
    case Activation::GeluTanh: return {Algorithm::eltwise_gelu_tanh, 0.0f};
    case Activation::QuickGelu: return {Algorithm::eltwise_swish, 1.702f};
    case Activation::Relu: return {Algorithm::eltwise_relu, 0.0f};
  }
  return {Algorithm::eltwise_linear, 1.0f};
}

ActivationKernel::ActivationKernel(OneDnn& dnn, Activation activation) : dnn_(&dnn), activation_(activation) {}

ActivationKernel::Primitives& ActivationKernel::primitives_for(int64_t count) {
  auto found = primitives_.find(count);
  if (found != primitives_.end()) return found->second;
  const auto [algorithm, alpha] = eltwise_of(activation_);
  const auto data = f32({count}, {1});
  const dnnl::eltwise_forward::primitive_desc forward(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, algorithm, data, alpha, 0.0f), dnn_->engine);
  const dnnl::eltwise_backward::primitive_desc backward(dnnl::eltwise_backward::desc(algorithm, data, data, alpha, 0.0f),
                                                        dnn_->engine, forward);
  return primitives_.emplace(count, Primitives{dnnl::eltwise_forward(forward), dnnl::eltwise_backward(backward)}).first->second;
}

void ActivationKernel::forward(const float* x, int64_t count, float* y) {
  const auto data = f32({count}, {1});
  primitives_for(count).forward.execute(dnn_->stream, {{DNNL_ARG_SRC, view(*dnn_, data, x)}, {DNNL_ARG_DST, view(*dnn_, data, y)}});
}

void ActivationKernel::backward(const float* x, const float* dy, int64_t count, float* dx) {
  const auto data = f32({count}, {1});
  primitives_for(count).backward.execute(dnn_->stream, {{DNNL_ARG_SRC, view(*dnn_, data, x)},
                                                        {DNNL_ARG_DIFF_DST, view(*dnn_, data, dy)},
                                                        {DNNL_ARG_DIFF_SRC, view(*dnn_, data, dx)}});
}

}  // namespace vitlens::cpu
