#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vitlens {

// A dense, row-major float32 host tensor. The engine converts every stored dtype
// (F32, F16, BF16) to this on load; it is the currency between loaders, the CPU
// reference and the Vulkan uploader.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> shape_, float fill = 0.0f);
  Tensor(std::vector<int64_t> shape_, std::vector<float> data_);

  int64_t numel() const;
  int64_t dim(int i) const { return shape.at(static_cast<size_t>(i < 0 ? i + static_cast<int>(shape.size()) : i)); }
  int rank() const { return static_cast<int>(shape.size()); }
  bool empty() const { return data.empty(); }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
};

// "[3, 224, 224]"
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace vitlens
