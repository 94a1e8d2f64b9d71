// The IDX image and label readers (Fashion-MNIST's format): the input up to its first
// "\nLABELS\n" is the images file, the rest the labels file.
#include <string>

#include "fuzz/scratch_file.hpp"
#include "vitlens/eval/idx_dataset.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const size_t split = bytes.find("\nLABELS\n");
  const std::string images = bytes.substr(0, split);
  const std::string labels = split == std::string::npos ? "" : bytes.substr(split + 8);
  const std::string images_path = vitlens::fuzz::scratch_file("images-idx3-ubyte", reinterpret_cast<const uint8_t*>(images.data()), images.size());
  const std::string labels_path = vitlens::fuzz::scratch_file("labels-idx1-ubyte", reinterpret_cast<const uint8_t*>(labels.data()), labels.size());
  try {
    vitlens::read_idx_dataset(images_path, labels_path);
  } catch (const vitlens::Error&) {
  }
  return 0;
}
