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

void fold_layer_scale(Linear& layer, const Tensor& gamma) {
  const int64_t in = layer.weight.dim(1);
  for (int64_t row = 0; row < layer.weight.dim(0); ++row) {
    const float scale = gamma.data[static_cast<size_t>(row)];
    for (int64_t col = 0; col < in; ++col) layer.weight.data[static_cast<size_t>(row * in + col)] *= scale;
    layer.bias.data[static_cast<size_t>(row)] *= scale;
  }
}

}  // namespace vitlens
