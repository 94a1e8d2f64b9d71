// The scene dataset's annotations.json (classes, scenes, labelled pixel boxes).
#include "fuzz/scratch_file.hpp"
#include "vitlens/eval/scene_dataset.hpp"
#include "vitlens/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vitlens::fuzz::scratch_file("scenes/annotations.json", data, size);
  try {
    vitlens::read_scene_dataset((vitlens::fuzz::scratch_folder() / "scenes").string());
  } catch (const vitlens::Error&) {
  }
  return 0;
}
