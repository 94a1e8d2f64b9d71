#include "backend/cpu/packed_linear.hpp"

#include <algorithm>
#include <utility>

#include "backend/cpu/activation.hpp"

namespace vitlens::cpu {
namespace {

dnnl::primitive_attr attributes(const Epilogue& e) {
  dnnl::post_ops ops;
  if (e.kind == Epilogue::Kind::Activate) {
    const auto [algorithm, alpha] = eltwise_of(e.activation);
    ops.append_eltwise(1.0f, algorithm, alpha, 0.0f);
  } else if (e.kind == Epilogue::Kind::AddTo) {
    ops.append_sum(1.0f);
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

// The rows the weights' layout is chosen for: a 224 x 224 ViT-B/16's token count. oneDNN
// picks the same blocked layout for any row count, and the matmuls made later take it as is.
constexpr int kTypicalRows = 197;

}  // namespace

PackedLinear::PackedLinear(OneDnn& dnn, const Linear& layer, Epilogue epilogue)
    : dnn_(&dnn),
      in_(static_cast<int>(layer.weight.dim(1))),
      out_(static_cast<int>(layer.weight.dim(0))),
      epilogue_(epilogue),
      has_bias_(!layer.bias.empty()) {
  // W [out, in] row-major is the matmul's weights {in, out} with strides {1, in}.
  const auto plain = f32({in_, out_}, {1, in_});
  const auto any = dnnl::memory::desc({in_, out_}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  const dnnl::matmul::primitive_desc chooser(
      dnnl::matmul::desc(f32_rows(kTypicalRows, in_), any, bias_desc(), f32_rows(kTypicalRows, out_)), attributes(epilogue_),
      dnn.engine);
  weights_ = dnnl::memory(chooser.weights_desc(), dnn.engine);
  dnnl::memory source = view(dnn, plain, layer.weight.ptr());
  dnnl::reorder(source, weights_).execute(dnn.stream, source, weights_);
  if (has_bias_) {
    bias_ = dnnl::memory(bias_desc(), dnn.engine);
    std::copy(layer.bias.data.begin(), layer.bias.data.end(), static_cast<float*>(bias_.get_data_handle()));
  }
  dnn.stream.wait();
}

PackedLinear PackedLinear::with_epilogue(Epilogue epilogue) const {
  PackedLinear other = *this;
  other.epilogue_ = epilogue;
  other.matmuls_.clear();
  return other;
}

dnnl::memory::desc PackedLinear::bias_desc() const { return has_bias_ ? f32_rows(1, out_) : dnnl::memory::desc(); }

dnnl::matmul& PackedLinear::matmul_for(int rows) {
  auto found = matmuls_.find(rows);
  if (found != matmuls_.end()) return found->second;
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(f32_rows(rows, in_), weights_.get_desc(), bias_desc(), f32_rows(rows, out_)), attributes(epilogue_),
      dnn_->engine);
  return matmuls_.emplace(rows, dnnl::matmul(pd)).first->second;
}

void PackedLinear::run(const float* x, int rows, float* y) {
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, view(*dnn_, f32_rows(rows, in_), x)},
                                             {DNNL_ARG_WEIGHTS, weights_},
                                             {DNNL_ARG_DST, view(*dnn_, f32_rows(rows, out_), y)}};
  if (has_bias_) args.emplace(DNNL_ARG_BIAS, bias_);
  matmul_for(rows).execute(dnn_->stream, args);
}

}  // namespace vitlens::cpu
