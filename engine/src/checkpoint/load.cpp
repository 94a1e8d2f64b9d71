#include "vitlens/checkpoint/load.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <optional>

#include "checkpoint/hugging_face.hpp"
#include "checkpoint/timm.hpp"
#include "util/json_file.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

namespace fs = std::filesystem;

namespace {

enum class Layout { HuggingFace, Timm };

// Hugging Face configs list "architectures"; timm's name one "architecture".
Layout layout_of(const fs::path& config_path) {
  const JsonFile config = JsonFile::read(config_path.string());
  if (config.has("architectures")) return Layout::HuggingFace;
  if (config.has("architecture")) return Layout::Timm;
  config.fail("names neither \"architectures\" (Hugging Face) nor \"architecture\" (timm), so the checkpoint layout is unknown");
}

// The weight files a folder may hold, in the order they are preferred (safetensors is read
// without any pickle at all).
const char* const kHfWeights[] = {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"};

bool is_weights_file(const fs::path& file) {
  const fs::path extension = file.extension();
  return extension == ".safetensors" || extension == ".bin" || extension == ".pth" || extension == ".pt";
}

TensorStore open_hf_tensors(const fs::path& folder) {
  for (const char* name : kHfWeights) {
    const fs::path file = folder / name;
    if (!fs::exists(file)) continue;
    return file.extension() == ".json" ? TensorStore::open_index(file.string()) : TensorStore::open_file(file.string());
  }
  throw Error(folder.string() + ": has config.json but none of model.safetensors, pytorch_model.bin or their sharded .index.json");
}

// A timm folder's one weights file: a .safetensors file when there is one, else a PyTorch
// checkpoint (.bin, .pth, .pt).
fs::path single_weights_file(const fs::path& folder) {
  std::vector<fs::path> safetensors, pytorch;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && is_weights_file(entry.path())) (entry.path().extension() == ".safetensors" ? safetensors : pytorch).push_back(entry.path());
  const std::vector<fs::path>& found = safetensors.empty() ? pytorch : safetensors;
  if (found.size() != 1)
    throw Error(folder.string() + ": a timm model folder needs exactly one .safetensors (or PyTorch .bin/.pth) file, found " + std::to_string(found.size()));
  return found.front();
}

void reject_unread(const TensorStore& store, const std::string& architecture) {
  const std::vector<std::string> unread = store.unread();
  if (unread.empty()) return;
  std::string listed;
  const size_t shown = std::min<size_t>(unread.size(), 8);
  for (size_t i = 0; i < shown; ++i) listed += (i ? ", '" : "'") + unread[i] + "'";
  if (unread.size() > shown) listed += " and " + std::to_string(unread.size() - shown) + " more";
  throw Error(store.description() + ": holds tensors a " + architecture + " does not have: " + listed);
}

int64_t stored_parameters(const TensorStore& store) {
  int64_t total = 0;
  for (const std::string& name : store.names()) {
    const std::vector<int64_t>& shape = store.info(name).shape;
    total += std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  }
  return total;
}

Model load_timm(const fs::path& file) {
  const fs::path beside = file.parent_path() / "config.json";
  const std::optional<std::string> config = fs::exists(beside) ? std::optional(beside.string()) : std::nullopt;
  const TensorStore store = TensorStore::open_file(file.string());
  Model model = read_timm_model(file.string(), store, config);
  reject_unread(store, model.config.architecture);
  model.checkpoint_parameters = stored_parameters(store);
  for (const std::string& note : store.notes()) model.notes.push_back(note);
  return model;
}

Model load_hf(const fs::path& folder) {
  const TensorStore store = open_hf_tensors(folder);
  Model model = read_hf_model(folder, store);
  reject_unread(store, model.config.architecture);
  model.checkpoint_parameters = stored_parameters(store);
  for (const std::string& note : store.notes()) model.notes.push_back(note);
  return model;
}

}  // namespace

Model load_model(const std::string& path) {
  const fs::path target(path);
  std::error_code error;
  const bool exists = fs::exists(target, error);
  if (error) throw Error(path + ": cannot be opened (" + error.message() + ")");
  if (!exists) throw Error(path + ": no such file or folder");
  if (fs::is_directory(target)) {
    if (!fs::exists(target / "config.json")) throw Error(path + ": is a folder without config.json, so it is not a Hugging Face or timm model folder");
    return layout_of(target / "config.json") == Layout::HuggingFace ? load_hf(target) : load_timm(single_weights_file(target));
  }
  if (!is_weights_file(target)) throw Error(path + ": expected a model folder, a .safetensors file or a PyTorch checkpoint (.bin, .pth, .pt)");
  // A model.safetensors (or pytorch_model.bin) picked out of a Hugging Face folder means the folder.
  const fs::path beside = target.parent_path() / "config.json";
  if (fs::exists(beside) && layout_of(beside) == Layout::HuggingFace) return load_hf(target.parent_path());
  return load_timm(target);
}


}  // namespace vitlens
