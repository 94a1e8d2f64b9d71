// The restricted pickle machine that reads a PyTorch checkpoint's data.pkl; every storage it
// names is accepted, as if the archive held it.
#include <string>

#include "checkpoint/pickle.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vitlens::pickle::load(std::string(reinterpret_cast<const char*>(data), size), "data.pkl", [](const vitlens::pickle::Storage&) {});
  } catch (const vitlens::Error&) {
  }
  return 0;
}
