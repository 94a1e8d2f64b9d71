// config.json and preprocessor_config.json into a model configuration: the input up to its
// first NUL byte is config.json, the rest (if any) preprocessor_config.json; the weights are
// the hf_vit fixture's, so a config that passes validation goes on to shape-checked loading.
#include <algorithm>
#include <filesystem>

#include "fuzz/scratch_file.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path folder = [] {
    const fs::path made = vitlens::fuzz::scratch_folder() / "model";
    fs::create_directories(made);
    fs::create_symlink(fs::path(VITLENS_SOURCE_DIR) / "tests/fixtures/hf_vit/model.safetensors", made / "model.safetensors");
    return made;
  }();
  const uint8_t* split = std::find(data, data + size, uint8_t{0});
  vitlens::fuzz::scratch_file("model/config.json", data, static_cast<size_t>(split - data));
  if (split != data + size) vitlens::fuzz::scratch_file("model/preprocessor_config.json", split + 1, static_cast<size_t>(data + size - split - 1));
  else fs::remove(folder / "preprocessor_config.json");
  try {
    vitlens::load_model(folder.string());
  } catch (const vitlens::Error&) {
  }
  return 0;
}
