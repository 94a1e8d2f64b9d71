#include "backend/cpu/layer_norm.hpp"

#include <algorithm>

namespace vitlens::cpu {
namespace {

dnnl::memory copy_of(const OneDnn& dnn, const Tensor& t) {
  dnnl::memory m(f32_rows(1, t.numel()), dnn.engine);
  std::copy(t.data.begin(), t.data.end(), static_cast<float*>(m.get_data_handle()));
  return m;
}

}  // namespace

PackedLayerNorm::PackedLayerNorm(OneDnn& dnn, const LayerNormWeights& norm, double eps)
    : dnn_(&dnn),
      width_(static_cast<int>(norm.weight.numel())),
      eps_(static_cast<float>(eps)),
      scale_(copy_of(dnn, norm.weight)),
      shift_(copy_of(dnn, norm.bias)) {}

dnnl::layer_normalization_forward& PackedLayerNorm::primitive_for(int rows) {
  auto found = primitives_.find(rows);
  if (found != primitives_.end()) return found->second;
  const dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(dnnl::prop_kind::forward_inference, f32_rows(rows, width_), eps_,
                                              dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift),
      dnn_->engine);
  return primitives_.emplace(rows, dnnl::layer_normalization_forward(pd)).first->second;
}

void PackedLayerNorm::run(const float* x, int rows, float* y) {
  const auto desc = f32_rows(rows, width_);
  primitive_for(rows).execute(dnn_->stream, {{DNNL_ARG_SRC, view(*dnn_, desc, x)},
                                             {DNNL_ARG_DST, view(*dnn_, desc, y)},
                                             {DNNL_ARG_SCALE, scale_},
                                             {DNNL_ARG_SHIFT, shift_}});
}

}  // namespace vitlens::cpu
