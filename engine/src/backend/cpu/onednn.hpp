#pragma once
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace vitlens::cpu {

// The oneDNN CPU engine and the in-order stream every primitive of one backend runs on, and
// the thread count its OpenMP regions use.
struct OneDnn {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  int threads = 1;

  // Working memory for primitives made with scratchpad_mode::user, one buffer for all (the
  // stream runs one primitive at a time). The backward pass's matmuls pack their plain
  // weights into a scratchpad on every run; oneDNN's own would be mapped and unmapped each
  // time, and faulting 10 MB of fresh pages per matmul doubled the cost of an explanation.
  std::vector<char> scratch;
  dnnl::memory scratchpad(const dnnl::memory::desc& desc) {
    if (scratch.size() < desc.get_size()) scratch.resize(desc.get_size());
    return dnnl::memory(desc, engine, scratch.data());
  }
};

// Primitive attributes that take their scratchpad from OneDnn::scratchpad.
inline dnnl::primitive_attr user_scratchpad(dnnl::primitive_attr attr = {}) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// A primitive made with user_scratchpad() and the scratchpad it asks for.
template <typename Primitive>
struct WithScratchpad {
  Primitive primitive;
  dnnl::memory::desc scratchpad;

  template <typename PrimitiveDesc>
  explicit WithScratchpad(const PrimitiveDesc& pd) : primitive(pd), scratchpad(pd.scratchpad_desc()) {}

  void execute(OneDnn& dnn, std::unordered_map<int, dnnl::memory> args) {
    args.emplace(DNNL_ARG_SCRATCHPAD, dnn.scratchpad(scratchpad));
    primitive.execute(dnn.stream, args);
  }
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
