// The safetensors reader: header length, JSON header, tensor table, then every tensor read
// (parse, then use, as OSS-Fuzz does for the reference reader).
#include "fuzz/scratch_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vitlens::fuzz::scratch_file("model.safetensors", data, size);
  try {
    const vitlens::TensorStore store = vitlens::TensorStore::open_file(path);
    for (const std::string& name : store.names()) store.read(name);
  } catch (const vitlens::Error&) {
  }
  return 0;
}
