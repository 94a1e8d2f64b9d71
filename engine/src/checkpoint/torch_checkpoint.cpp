#include "checkpoint/torch_checkpoint.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "checkpoint/half_float.hpp"
#include "util/regular_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

using pickle::Value;
using pickle::ValuePtr;
using Kind = Value::Kind;

const std::vector<std::string> kNestedKeys = {"state_dict", "model", "teacher", "student"};

[[noreturn]] void fail(const std::string& path, const std::string& problem) { throw Error(path + ": " + problem); }

uint64_t element_size(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

// The archive's one top-level data.pkl, whose folder names every other entry.
std::string pickle_prefix(const ZipArchive& archive) {
  std::string prefix;
  for (const auto& [name, entry] : archive.entries()) {
    const size_t slash = name.find('/');
    if (slash == std::string::npos || name.substr(slash + 1) != "data.pkl") continue;
    if (!prefix.empty()) fail(archive.path(), "holds more than one data.pkl");
    prefix = name.substr(0, slash + 1);
  }
  if (prefix.empty()) fail(archive.path(), "is a zip archive without ARCHIVE/data.pkl, so not a PyTorch checkpoint");
  return prefix;
}

bool holds_tensors(const ValuePtr& dict) {
  return dict->kind == Kind::Dict && std::any_of(dict->entries.begin(), dict->entries.end(), [](const auto& e) { return e.second->kind == Kind::Tensor; });
}

const ValuePtr* entry_of(const ValuePtr& dict, const std::string& key) {
  for (const auto& [k, v] : dict->entries)
    if (k->kind == Kind::String && k->text == key) return &v;
  return nullptr;
}

bool all_start_with(const std::map<std::string, pickle::TensorView>& views, const std::string& prefix) {
  return !views.empty() && std::all_of(views.begin(), views.end(), [&](const auto& v) { return v.first.rfind(prefix, 0) == 0; });
}

std::map<std::string, pickle::TensorView> without_prefix(const std::map<std::string, pickle::TensorView>& views, const std::string& prefix) {
  std::map<std::string, pickle::TensorView> kept;
  for (const auto& [name, view] : views)
    if (name.rfind(prefix, 0) == 0) kept[name.substr(prefix.size())] = view;
  return kept;
}

}  // namespace

TorchCheckpoint TorchCheckpoint::open(const std::string& path) {
  require_regular_file(path);
  if (!ZipArchive::looks_like_zip(path)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open for reading");
    if (in.get() == 0x80)
      fail(path, "is a PyTorch checkpoint in the legacy format (before PyTorch 1.6), which ViTLens does not read; re-save it with torch.save in a newer PyTorch, or convert it to safetensors");
    fail(path, "is not a PyTorch checkpoint (expected the zip archive torch.save writes)");
  }
  TorchCheckpoint checkpoint;
  checkpoint.archive_ = ZipArchive::open(path);
  checkpoint.prefix_ = pickle_prefix(checkpoint.archive_);
  const ZipArchive& archive = checkpoint.archive_;
  const std::string& prefix = checkpoint.prefix_;
  const auto check_storage = [&](const pickle::Storage& storage) {
    const ZipArchive::Entry* entry = storage.key.find('/') == std::string::npos ? archive.find(prefix + "data/" + storage.key) : nullptr;
    if (!entry) fail(path, "refused storage '" + storage.key + "': the archive has no entry " + prefix + "data/" + storage.key);
    if (storage.numel > entry->size / element_size(storage.dtype))
      fail(path, "refused storage '" + storage.key + "': it claims " + std::to_string(storage.numel) + " elements but its archive entry holds " + std::to_string(entry->size) + " bytes");
  };
  const ZipArchive::Entry& data = *archive.find(prefix + "data.pkl");
  const ValuePtr root = pickle::load(archive.read(data), path, check_storage);
  if (root->kind != Kind::Dict) fail(path, "holds no dict of tensors (not a state dict)");

  ValuePtr weights = root;
  if (!holds_tensors(root)) {
    weights = nullptr;
    for (const std::string& key : kNestedKeys) {
      const ValuePtr* nested = entry_of(root, key);
      if (nested && holds_tensors(*nested)) {
        weights = *nested;
        checkpoint.notes_.push_back(path + ": took the weights under '" + key + "'");
        break;
      }
    }
    if (!weights) fail(path, "holds no tensors at the top level nor under 'state_dict', 'model', 'teacher' or 'student'");
  }
  std::map<std::string, pickle::TensorView> views;
  for (const auto& [key, value] : weights->entries) {
    if (key->kind != Kind::String) fail(path, "has a state dict key that is not a string");
    if (value->kind == Kind::Tensor) views[key->text] = value->tensor;
  }
  for (const std::string strip : {"module.", "backbone."}) {
    if (all_start_with(views, strip)) {
      views = without_prefix(views, strip);
      checkpoint.notes_.push_back(path + ": removed the '" + strip + "' prefix from every tensor name");
    } else if (strip == "backbone." && std::any_of(views.begin(), views.end(), [](const auto& v) { return v.first.rfind("backbone.", 0) == 0; })) {
      const size_t before = views.size();
      views = without_prefix(views, strip);
      checkpoint.notes_.push_back(path + ": took the " + std::to_string(views.size()) + " 'backbone.' tensors and left out " + std::to_string(before - views.size()) +
                                  " others (a training head)");
    }
  }
  for (const auto& [name, view] : views) {
    TensorInfo info;
    info.dtype = view.storage.dtype;
    info.shape = view.shape;
    info.begin = view.offset * element_size(view.storage.dtype);
    info.end = view.storage.numel * element_size(view.storage.dtype);
    checkpoint.tensors_[name] = info;
  }
  checkpoint.views_ = std::move(views);
  return checkpoint;
}

Tensor TorchCheckpoint::read(const std::string& name) const {
  const auto found = views_.find(name);
  if (found == views_.end()) fail(path(), "has no tensor named '" + name + "'");
  const pickle::TensorView& view = found->second;
  const uint64_t size = element_size(view.storage.dtype);
  const std::string bytes = archive_.read(*archive_.find(prefix_ + "data/" + view.storage.key));
  int64_t count = 1;
  for (int64_t extent : view.shape) count *= extent;
  std::vector<float> values(static_cast<size_t>(count));
  std::vector<int64_t> index(view.shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    uint64_t element = view.offset;
    for (size_t d = 0; d < index.size(); ++d) element += static_cast<uint64_t>(index[d] * view.stride[d]);
    const char* at = bytes.data() + element * size;
    if (view.storage.dtype == DType::F32) {
      std::memcpy(&values[static_cast<size_t>(i)], at, 4);
    } else {
      uint16_t word = 0;
      std::memcpy(&word, at, 2);
      values[static_cast<size_t>(i)] = view.storage.dtype == DType::F16 ? f16_to_f32(word) : bf16_to_f32(word);
    }
    for (size_t d = index.size(); d-- > 0;) {  // row-major increment
      if (++index[d] < view.shape[d]) break;
      index[d] = 0;
    }
  }
  return Tensor(view.shape, std::move(values));
}

}  // namespace vitlens
