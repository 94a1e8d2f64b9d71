#pragma once
#include <cmath>
#include <limits>

#include "vitlens/model/tensor.hpp"

namespace vitlens::test {

// The largest absolute difference between two tensors of one shape; infinity when the
// shapes differ or a difference is NaN, so a tolerance check fails instead of passing.
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = std::abs(static_cast<double>(a.data[i]) - b.data[i]);
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace vitlens::test
