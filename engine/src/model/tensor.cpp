#include "vitlens/model/tensor.hpp"

#include <numeric>

#include "vitlens/util/error.hpp"

namespace vitlens {

Tensor::Tensor(std::vector<int64_t> shape_, float fill) : shape(std::move(shape_)) {
  data.assign(static_cast<size_t>(numel()), fill);
}

Tensor::Tensor(std::vector<int64_t> shape_, std::vector<float> data_) : shape(std::move(shape_)), data(std::move(data_)) {
  if (static_cast<int64_t>(data.size()) != numel())
    throw Error("tensor of shape " + shape_string(shape) + " given " + std::to_string(data.size()) + " values");
}

int64_t Tensor::numel() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace vitlens
