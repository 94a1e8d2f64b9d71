#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace vitlens::cpu {

// The oneDNN CPU engine and the in-order stream every primitive of one backend runs on, and
// the thread count its OpenMP regions use.
struct OneDnn {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  int threads = 1;
};

using Dims = dnnl::memory::dims;

// An f32 tensor description with explicit strides (in elements).
inline dnnl::memory::desc f32(const Dims& shape, const Dims& strides) {
  return dnnl::memory::desc(shape, dnnl::memory::data_type::f32, strides);
}

// A dense row-major f32 matrix [rows, cols].
inline dnnl::memory::desc f32_rows(int64_t rows, int64_t cols) { return f32({rows, cols}, {cols, 1}); }

// A view of caller-owned floats as a oneDNN memory object (nothing is copied).
inline dnnl::memory view(const OneDnn& dnn, const dnnl::memory::desc& desc, const float* data) {
  return dnnl::memory(desc, dnn.engine, const_cast<float*>(data));
}

}  // namespace vitlens::cpu
