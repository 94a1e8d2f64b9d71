// A whole PyTorch checkpoint (zip + pickle + storages) loaded as a model store, every tensor read.
#include "fuzz/scratch_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vitlens::fuzz::scratch_file("pytorch_model.bin", data, size);
  try {
    const vitlens::TensorStore store = vitlens::TensorStore::open_file(path);
    for (const std::string& name : store.names()) store.read(name);
  } catch (const vitlens::Error&) {
  }
  return 0;
}
