#include "backend/cpu/input_gradient.hpp"

namespace vitlens::cpu {

InputGradient::InputGradient(OneDnn& dnn, const Linear& layer)
    : dnn_(&dnn),
      weight_(layer.weight.ptr()),
      in_(static_cast<int>(layer.weight.dim(1))),
      out_(static_cast<int>(layer.weight.dim(0))) {}

WithScratchpad<dnnl::matmul>& InputGradient::matmul_for(int rows) {
  auto found = matmuls_.find(rows);
  if (found != matmuls_.end()) return found->second;
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(f32_rows(rows, out_), f32_rows(out_, in_), f32_rows(rows, in_)),
                                        user_scratchpad(), dnn_->engine);
  return matmuls_.emplace(rows, WithScratchpad<dnnl::matmul>(pd)).first->second;
}

void InputGradient::run(const float* dy, int rows, float* dx) {
  matmul_for(rows).execute(*dnn_, {{DNNL_ARG_SRC, view(*dnn_, f32_rows(rows, out_), dy)},
                                   {DNNL_ARG_WEIGHTS, view(*dnn_, f32_rows(out_, in_), weight_)},
                                   {DNNL_ARG_DST, view(*dnn_, f32_rows(rows, in_), dx)}});
}

}  // namespace vitlens::cpu
