#pragma once
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace vitlens::test {

// The float32 values of a version-1 .npy file written by vitlens::npy_bytes, in file order.
inline std::vector<float> read_npy_floats(const std::filesystem::path& path) {
  const std::string bytes = detail::slurp(path);
  if (bytes.size() <= 10) throw std::runtime_error(path.string() + ": not a .npy file");
  const size_t offset = 10 + (static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8));
  std::vector<float> data((bytes.size() - offset) / sizeof(float));
  std::memcpy(data.data(), bytes.data() + offset, data.size() * sizeof(float));
  return data;
}

}  // namespace vitlens::test
