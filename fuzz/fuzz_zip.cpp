// The bounded zip reader behind PyTorch checkpoints: central directory, entries, then every
// entry read.
#include "checkpoint/zip_archive.hpp"
#include "fuzz/scratch_file.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vitlens::fuzz::scratch_file("checkpoint.pth", data, size);
  try {
    const vitlens::ZipArchive archive = vitlens::ZipArchive::open(path);
    for (const auto& [name, entry] : archive.entries()) archive.read(entry);
  } catch (const vitlens::Error&) {
  }
  return 0;
}
