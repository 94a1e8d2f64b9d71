#pragma once
#include <cstddef>
#include <vector>

namespace vitlens::cpu {

// Row-major doubles: the activations of the reference forward pass, one row per token.
struct Matrix {
  int rows = 0;
  int cols = 0;
  std::vector<double> data;

  Matrix() = default;
  Matrix(int rows_, int cols_) : rows(rows_), cols(cols_), data(static_cast<size_t>(rows_) * cols_, 0.0) {}

  double* row(int r) { return data.data() + static_cast<size_t>(r) * cols; }
  const double* row(int r) const { return data.data() + static_cast<size_t>(r) * cols; }
};

}  // namespace vitlens::cpu
