#include "vitlens/analysis/npy.hpp"

#include <bit>
#include <cstring>

namespace vitlens {
namespace {

// NumPy's own spelling: "(2, 3)", and "(5,)" for one dimension.
std::string shape_tuple(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string npy_bytes(const Tensor& tensor) {
  static_assert(std::endian::native == std::endian::little, "the .npy writer stores the host's float32 bytes");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_tuple(tensor.shape) + ", }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces and a newline to a
  // multiple of 64 bytes so the data is aligned, as numpy writes it.
  const size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  const size_t offset = bytes.size();
  bytes.resize(offset + tensor.data.size() * sizeof(float));
  std::memcpy(bytes.data() + offset, tensor.data.data(), tensor.data.size() * sizeof(float));
  return bytes;
}

}  // namespace vitlens
