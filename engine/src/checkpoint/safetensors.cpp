#include "vitlens/checkpoint/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "checkpoint/half_float.hpp"
#include "checkpoint/torch_checkpoint.hpp"
#include "util/json_file.hpp"
#include "util/regular_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; big-endian hosts would need byte swapping");

namespace {

using json = nlohmann::json;

// The reference reader's limit: a larger header is a sign of a corrupt or hostile file.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

[[noreturn]] void fail(const std::string& path, const std::string& problem) { throw Error(path + ": " + problem); }

uint64_t dtype_size(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
  }
  return "?";
}

DType parse_dtype(const std::string& path, const std::string& name, const json& value) {
  if (!value.is_string()) fail(path, "tensor '" + name + "' has no \"dtype\" string");
  const std::string dtype = value.get<std::string>();
  if (dtype == "F32") return DType::F32;
  if (dtype == "F16") return DType::F16;
  if (dtype == "BF16") return DType::BF16;
  fail(path, "tensor '" + name + "' has dtype " + dtype + ", which ViTLens cannot read (supported: F32, F16, BF16)");
}

uint64_t parse_count(const std::string& path, const std::string& name, const char* field, const json& value) {
  if (!value.is_number_unsigned()) fail(path, "tensor '" + name + "' has a \"" + field + "\" entry that is not a non-negative integer: " + value.dump());
  return value.get<uint64_t>();
}

std::vector<int64_t> parse_shape(const std::string& path, const std::string& name, const json& value) {
  if (!value.is_array()) fail(path, "tensor '" + name + "' has no \"shape\" array");
  std::vector<int64_t> shape;
  for (const json& dim : value) {
    const uint64_t extent = parse_count(path, name, "shape", dim);
    if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail(path, "tensor '" + name + "' has an absurd shape " + value.dump());
    shape.push_back(static_cast<int64_t>(extent));
  }
  return shape;
}

// Byte size of a tensor, or nothing when the shape overflows 64 bits.
std::optional<uint64_t> byte_size(const std::vector<int64_t>& shape, DType dtype) {
  uint64_t bytes = dtype_size(dtype);
  for (int64_t extent : shape) {
    const auto e = static_cast<uint64_t>(extent);
    if (e != 0 && bytes > std::numeric_limits<uint64_t>::max() / e) return std::nullopt;
    bytes *= e;
  }
  return bytes;
}

TensorInfo parse_tensor_info(const std::string& path, const std::string& name, const json& entry) {
  if (!entry.is_object()) fail(path, "header entry '" + name + "' is not an object");
  TensorInfo info;
  info.dtype = parse_dtype(path, name, entry.value("dtype", json()));
  info.shape = parse_shape(path, name, entry.value("shape", json()));
  const json offsets = entry.value("data_offsets", json());
  if (!offsets.is_array() || offsets.size() != 2) fail(path, "tensor '" + name + "' needs \"data_offsets\": [begin, end]");
  info.begin = parse_count(path, name, "data_offsets", offsets[0]);
  info.end = parse_count(path, name, "data_offsets", offsets[1]);
  if (info.end < info.begin) fail(path, "tensor '" + name + "' has data_offsets " + offsets.dump() + " that end before they begin");
  const std::optional<uint64_t> bytes = byte_size(info.shape, info.dtype);
  if (!bytes) fail(path, "tensor '" + name + "' has an absurd shape " + shape_string(info.shape));
  if (*bytes != info.end - info.begin)
    fail(path, "tensor '" + name + "' of shape " + shape_string(info.shape) + " and dtype " + dtype_name(info.dtype) + " needs " + std::to_string(*bytes) +
                   " bytes but its data_offsets span " + std::to_string(info.end - info.begin));
  return info;
}

// nlohmann::json keeps the last of duplicate keys silently; the reference reader refuses them.
json parse_header_json(const std::string& path, const std::string& text) {
  std::set<std::string> names;
  std::optional<std::string> duplicate;
  auto reject_duplicates = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second) duplicate = parsed.get<std::string>();
    return true;
  };
  json header;
  try {
    header = json::parse(text, reject_duplicates);
  } catch (const json::exception& e) {
    fail(path, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (duplicate) fail(path, "header names tensor '" + *duplicate + "' more than once");
  if (!header.is_object()) fail(path, "header is not a JSON object");
  return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& value) {
  if (!value.is_object()) fail(path, "\"__metadata__\" is not an object");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, entry] : value.items()) {
    if (!entry.is_string()) fail(path, "\"__metadata__\" entry '" + key + "' is not a string");
    metadata[key] = entry.get<std::string>();
  }
  return metadata;
}

// Tensors must tile the data buffer exactly, in offset order: no overlaps, no gaps, nothing
// past the end and nothing left over.
void check_layout(const std::string& path, const std::map<std::string, TensorInfo>& tensors, uint64_t buffer_size) {
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> spans;
  for (const auto& [name, info] : tensors) {
    if (info.end > buffer_size)
      fail(path, "tensor '" + name + "' ends at byte " + std::to_string(info.end) + " of the data buffer, past the end of the file (the buffer holds " +
                     std::to_string(buffer_size) + " bytes; is the file truncated?)");
    spans.emplace_back(info.begin, info.end, name);
  }
  std::sort(spans.begin(), spans.end());
  uint64_t covered = 0;
  std::string previous;
  for (const auto& [begin, end, name] : spans) {
    if (begin < covered) fail(path, "tensor '" + name + "' overlaps tensor '" + previous + "' (data_offsets begin at " + std::to_string(begin) + ", before byte " + std::to_string(covered) + ")");
    if (begin > covered) fail(path, "bytes " + std::to_string(covered) + " to " + std::to_string(begin) + " of the data buffer belong to no tensor (gap before tensor '" + name + "')");
    covered = end;
    previous = name;
  }
  if (covered != buffer_size) fail(path, "the last " + std::to_string(buffer_size - covered) + " bytes of the data buffer belong to no tensor");
}

std::string read_exactly(std::ifstream& in, const std::string& path, uint64_t offset, uint64_t count, const char* what) {
  std::string bytes(count, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(bytes.data(), static_cast<std::streamsize>(count))) fail(path, std::string("cannot read the ") + what + " (file truncated or changed?)");
  return bytes;
}

template <typename Word>
std::vector<Word> read_words(std::ifstream& in, uint64_t count) {
  std::vector<Word> words(count);
  in.read(reinterpret_cast<char*>(words.data()), static_cast<std::streamsize>(count * sizeof(Word)));
  return words;
}

std::vector<float> widen(const std::vector<uint16_t>& words, float (*convert)(uint16_t)) {
  std::vector<float> values(words.size());
  std::transform(words.begin(), words.end(), values.begin(), convert);
  return values;
}

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  require_regular_file(path);
  std::error_code error;
  const uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) fail(path, "cannot open (" + error.message() + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  if (file_size < 8) fail(path, "file is " + std::to_string(file_size) + " bytes, too short to hold the 8-byte safetensors header length");

  const std::string length_bytes = read_exactly(in, path, 0, 8, "header length");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<unsigned char>(length_bytes[static_cast<size_t>(i)]);
  if (header_size > kMaxHeaderBytes) fail(path, "header length " + std::to_string(header_size) + " exceeds the 100 MB limit (not a safetensors file?)");
  if (8 + header_size > file_size)
    fail(path, "header of " + std::to_string(header_size) + " bytes runs past the end of the " + std::to_string(file_size) + "-byte file (truncated?)");

  const json header = parse_header_json(path, read_exactly(in, path, 8, header_size, "header"));
  SafetensorsFile file;
  file.path_ = path;
  file.data_start_ = 8 + header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__")
      file.metadata_ = parse_metadata(path, entry);
    else
      file.tensors_[name] = parse_tensor_info(path, name, entry);
  }
  check_layout(path, file.tensors_, file_size - file.data_start_);
  return file;
}

Tensor SafetensorsFile::read(const std::string& name) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) fail(path_, "has no tensor named '" + name + "'");
  const TensorInfo& info = found->second;
  std::ifstream in(path_, std::ios::binary);
  if (!in) fail(path_, "cannot open for reading");
  in.seekg(static_cast<std::streamoff>(data_start_ + info.begin));
  const uint64_t count = (info.end - info.begin) / dtype_size(info.dtype);
  std::vector<float> values;
  switch (info.dtype) {
    case DType::F32: values = read_words<float>(in, count); break;
    case DType::F16: values = widen(read_words<uint16_t>(in, count), f16_to_f32); break;
    case DType::BF16: values = widen(read_words<uint16_t>(in, count), bf16_to_f32); break;
  }
  if (!in) fail(path_, "cannot read tensor '" + name + "' (file truncated or changed since it was opened?)");
  return Tensor(info.shape, std::move(values));
}

std::shared_ptr<const TensorFile> open_tensor_file(const std::string& path) {
  if (std::filesystem::path(path).extension() == ".safetensors") return std::make_shared<SafetensorsFile>(SafetensorsFile::open(path));
  return std::make_shared<TorchCheckpoint>(TorchCheckpoint::open(path));
}

TensorStore TensorStore::open_file(const std::string& path) {
  TensorStore store;
  store.description_ = path;
  store.files_.push_back(open_tensor_file(path));
  for (const auto& [name, info] : store.files_.front()->tensors()) store.owner_[name] = 0;
  return store;
}

namespace {

// Shards sit beside their index: a name with a folder in it (../x, /etc/passwd) would let a
// downloaded index read any file on the machine, and the index naming itself is no shard.
void check_shard_name(const std::string& index_json_path, const std::string& tensor, const std::string& shard) {
  const std::filesystem::path name(shard);
  if (shard.empty() || name.has_parent_path() || name.is_absolute() || shard == "." || shard == "..")
    fail(index_json_path, "weight_map puts tensor '" + tensor + "' in '" + shard + "', outside the index's folder (shards must be plain file names beside it)");
  if (name == std::filesystem::path(index_json_path).filename())
    fail(index_json_path, "weight_map puts tensor '" + tensor + "' in the index file itself");
}

}  // namespace

TensorStore TensorStore::open_index(const std::string& index_json_path) {
  const JsonFile index = JsonFile::read(index_json_path);
  if (!index.root().contains("weight_map") || !index.root()["weight_map"].is_object()) index.fail("has no \"weight_map\" object");

  TensorStore store;
  store.description_ = index_json_path;
  const std::filesystem::path folder = std::filesystem::path(index_json_path).parent_path();
  std::map<std::string, size_t> shard_of_file;
  for (const auto& [name, file] : index.root()["weight_map"].items()) {
    if (!file.is_string()) fail(index_json_path, "weight_map entry for tensor '" + name + "' is not a file name");
    const std::string shard = file.get<std::string>();
    check_shard_name(index_json_path, name, shard);
    const std::string shard_path = (folder / shard).string();
    if (!shard_of_file.count(shard)) {
      std::error_code error;  // a hostile name (longer than the system allows) must not throw
      if (!std::filesystem::exists(shard_path, error))
        fail(index_json_path, "shard '" + shard + "' (listed for tensor '" + name + "') " + (error ? "cannot be opened: " + error.message() : "does not exist"));
      shard_of_file[shard] = store.files_.size();
      store.files_.push_back(open_tensor_file(shard_path));
    }
    const size_t owner = shard_of_file[shard];
    if (!store.files_[owner]->contains(name)) fail(index_json_path, "weight_map puts tensor '" + name + "' in '" + shard + "', but that file does not hold it");
    store.owner_[name] = owner;
  }
  for (size_t i = 0; i < store.files_.size(); ++i)
    for (const auto& [name, info] : store.files_[i]->tensors()) {
      const auto listed = store.owner_.find(name);
      if (listed == store.owner_.end() || listed->second != i)
        fail(index_json_path, "shard '" + std::filesystem::path(store.files_[i]->path()).filename().string() + "' holds tensor '" + name + "', which the weight_map does not assign to it");
    }
  return store;
}

bool TensorStore::contains(const std::string& name) const { return owner_.count(name) != 0; }

const TensorInfo& TensorStore::info(const std::string& name) const { return files_[owner(name)]->tensors().at(name); }

const std::string& TensorStore::path_of(const std::string& name) const { return files_[owner(name)]->path(); }

Tensor TensorStore::read(const std::string& name) const {
  Tensor tensor = files_[owner(name)]->read(name);
  read_[name] = true;
  return tensor;
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> all;
  for (const auto& [name, owner] : owner_) all.push_back(name);
  return all;
}

std::vector<std::string> TensorStore::notes() const {
  std::vector<std::string> all;
  for (const auto& file : files_)
    for (const std::string& note : file->notes()) all.push_back(note);
  return all;
}

std::vector<std::string> TensorStore::unread() const {
  std::vector<std::string> left;
  for (const auto& [name, owner] : owner_)
    if (!read_.count(name)) left.push_back(name);
  return left;
}

void TensorStore::skip(const std::string& name) const {
  if (contains(name)) read_[name] = true;
}

size_t TensorStore::owner(const std::string& name) const {
  const auto found = owner_.find(name);
  if (found == owner_.end()) fail(description_, "has no tensor named '" + name + "'");
  return found->second;
}

}  // namespace vitlens
