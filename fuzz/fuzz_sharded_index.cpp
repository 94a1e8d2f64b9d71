// The sharded index (model.safetensors.index.json) beside the hf_vit_sharded fixture's two
// shards: weight_map entries, shard names (confined to the folder), tensor ownership.
#include <filesystem>

#include "fuzz/scratch_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path folder = [] {
    const fs::path made = vitlens::fuzz::scratch_folder() / "sharded";
    fs::create_directories(made);
    for (const char* shard : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"})
      fs::create_symlink(fs::path(VITLENS_SOURCE_DIR) / "tests/fixtures/hf_vit_sharded" / shard, made / shard);
    return made;
  }();
  const std::string index = vitlens::fuzz::scratch_file("sharded/model.safetensors.index.json", data, size);
  try {
    const vitlens::TensorStore store = vitlens::TensorStore::open_index(index);
    for (const std::string& name : store.names()) store.read(name);
  } catch (const vitlens::Error&) {
  }
  return 0;
}
