#include "model/tensor_layout.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

Tensor reshaped(Tensor tensor, std::vector<int64_t> shape) { return Tensor(std::move(shape), std::move(tensor.data)); }

Tensor concat_rows(const std::vector<Tensor>& parts, int64_t width) {
  std::vector<float> values;
  for (const Tensor& part : parts) {
    if (part.numel() % width != 0) throw Error("cannot stack a tensor of shape " + shape_string(part.shape) + " into rows of width " + std::to_string(width));
    values.insert(values.end(), part.data.begin(), part.data.end());
  }
  const auto rows = static_cast<int64_t>(values.size()) / width;
  return Tensor({rows, width}, std::move(values));
}

}  // namespace vitlens
