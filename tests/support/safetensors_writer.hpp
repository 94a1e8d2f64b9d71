#pragma once
// Test-only writers for safetensors files (valid and deliberately broken) and for tiny
// Hugging Face and timm model folders built from them.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <unistd.h>

namespace vitlens::test {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A folder under the system temp directory, unique to one test, removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& name) : path_(fs::temp_directory_path() / ("vitlens-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

struct RawTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return n;
}

inline std::string f32_bytes(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

inline std::string u16_bytes(const std::vector<uint16_t>& words) {
  std::string bytes(words.size() * 2, '\0');
  std::memcpy(bytes.data(), words.data(), bytes.size());
  return bytes;
}

inline std::vector<float> f32_values(const RawTensor& tensor) {
  std::vector<float> values(tensor.bytes.size() / 4);
  std::memcpy(values.data(), tensor.bytes.data(), tensor.bytes.size());
  return values;
}

// Distinct, reproducible values per tensor, so that a mix-up between tensors shows.
inline RawTensor f32_tensor(const std::string& name, std::vector<int64_t> shape, float fill_seed) {
  std::vector<float> values(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = fill_seed + 0.001f * static_cast<float>(i % 97) - 0.05f;
  return {name, "F32", std::move(shape), f32_bytes(values)};
}

inline RawTensor f32_tensor(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
  return {name, "F32", std::move(shape), f32_bytes(values)};
}

inline const RawTensor& find_tensor(const std::vector<RawTensor>& tensors, const std::string& name) {
  return *std::find_if(tensors.begin(), tensors.end(), [&](const RawTensor& t) { return t.name == name; });
}

inline void erase_tensor(std::vector<RawTensor>& tensors, const std::string& name) {
  tensors.erase(std::remove_if(tensors.begin(), tensors.end(), [&](const RawTensor& t) { return t.name == name; }), tensors.end());
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline void write_json(const std::string& path, const json& value) { write_text(path, value.dump(2)); }

// Writes the 8-byte length, the header text as given, then `data`: the way to make broken files.
inline void write_raw_safetensors(const std::string& path, const std::string& header, const std::string& data, uint64_t declared_header_size) {
  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i) length[static_cast<size_t>(i)] = static_cast<char>((declared_header_size >> (8 * i)) & 0xff);
  write_text(path, length + header + data);
}

inline void write_raw_safetensors(const std::string& path, const std::string& header, const std::string& data) {
  write_raw_safetensors(path, header, data, header.size());
}

// The header a correct writer produces: tensors laid out back to back in the given order.
inline json header_for(const std::vector<RawTensor>& tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const RawTensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  return header;
}

inline std::string data_for(const std::vector<RawTensor>& tensors) {
  std::string data;
  for (const RawTensor& t : tensors) data += t.bytes;
  return data;
}

inline void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors) {
  write_raw_safetensors(path, header_for(tensors).dump(), data_for(tensors));
}

// A tiny ViT: 8x8 images of 4x4 patches (a 2x2 grid), width 8, 2 heads, 2 layers, 3 classes.
struct TinyVit {
  int64_t width = 8;
  int64_t layers = 2;
  int64_t heads = 2;
  int64_t mlp = 16;
  int64_t patch = 4;
  int64_t image = 8;
  int64_t channels = 3;
  int64_t classes = 3;
  int64_t patches() const { return (image / patch) * (image / patch); }
};

inline void add_linear(std::vector<RawTensor>& tensors, const std::string& prefix, int64_t out, int64_t in, bool bias = true) {
  const float seed = 0.01f * static_cast<float>(tensors.size());
  tensors.push_back(f32_tensor(prefix + ".weight", {out, in}, seed));
  if (bias) tensors.push_back(f32_tensor(prefix + ".bias", {out}, seed + 0.5f));
}

inline void add_layer_norm(std::vector<RawTensor>& tensors, const std::string& prefix, int64_t width) {
  tensors.push_back(f32_tensor(prefix + ".weight", {width}, 1.0f));
  tensors.push_back(f32_tensor(prefix + ".bias", {width}, 0.1f));
}

// Tensors of a Hugging Face ViT/DeiT encoder under `prefix` ("vit.", "deit." or "") plus the
// named classifier heads.
inline std::vector<RawTensor> hf_tensors(const TinyVit& v, const std::string& prefix, bool distillation_token, const std::vector<std::string>& heads) {
  std::vector<RawTensor> t;
  const std::string e = prefix + "embeddings.";
  t.push_back(f32_tensor(e + "cls_token", {1, 1, v.width}, 0.2f));
  if (distillation_token) t.push_back(f32_tensor(e + "distillation_token", {1, 1, v.width}, 0.3f));
  t.push_back(f32_tensor(e + "position_embeddings", {1, v.patches() + (distillation_token ? 2 : 1), v.width}, 0.4f));
  t.push_back(f32_tensor(e + "patch_embeddings.projection.weight", {v.width, v.channels, v.patch, v.patch}, 0.5f));
  t.push_back(f32_tensor(e + "patch_embeddings.projection.bias", {v.width}, 0.6f));
  for (int64_t i = 0; i < v.layers; ++i) {
    const std::string l = prefix + "encoder.layer." + std::to_string(i) + ".";
    add_layer_norm(t, l + "layernorm_before", v.width);
    for (const char* part : {"query", "key", "value"}) add_linear(t, l + "attention.attention." + part, v.width, v.width);
    add_linear(t, l + "attention.output.dense", v.width, v.width);
    add_layer_norm(t, l + "layernorm_after", v.width);
    add_linear(t, l + "intermediate.dense", v.mlp, v.width);
    add_linear(t, l + "output.dense", v.width, v.mlp);
  }
  add_layer_norm(t, prefix + "layernorm", v.width);
  for (const std::string& head : heads) add_linear(t, head, v.classes, v.width);
  return t;
}

inline json hf_config(const TinyVit& v, const std::string& architecture) {
  json id2label = json::object();
  for (int64_t i = 0; i < v.classes; ++i) id2label[std::to_string(i)] = "class " + std::to_string(i);
  return {{"architectures", {architecture}}, {"hidden_size", v.width},       {"num_hidden_layers", v.layers}, {"num_attention_heads", v.heads},
          {"intermediate_size", v.mlp},      {"hidden_act", "gelu"},         {"layer_norm_eps", 1e-12},       {"image_size", v.image},
          {"patch_size", v.patch},           {"num_channels", v.channels},   {"qkv_bias", true},              {"id2label", id2label}};
}

inline void write_hf_folder(const fs::path& folder, const json& config, const std::vector<RawTensor>& tensors) {
  fs::create_directories(folder);
  write_json((folder / "config.json").string(), config);
  write_safetensors((folder / "model.safetensors").string(), tensors);
}

struct TimmOptions {
  bool distilled = false;
  bool layer_scale = false;
  bool no_embed_class = false;
  bool fc_norm = false;
  bool qkv_bias = true;
};

// Tensors of a timm VisionTransformer (or VisionTransformerDistilled).
inline std::vector<RawTensor> timm_tensors(const TinyVit& v, const TimmOptions& o) {
  std::vector<RawTensor> t;
  const int64_t prefix_tokens = o.distilled ? 2 : 1;
  t.push_back(f32_tensor("cls_token", {1, 1, v.width}, 0.2f));
  if (o.distilled) t.push_back(f32_tensor("dist_token", {1, 1, v.width}, 0.3f));
  t.push_back(f32_tensor("pos_embed", {1, v.patches() + (o.no_embed_class ? 0 : prefix_tokens), v.width}, 0.4f));
  t.push_back(f32_tensor("patch_embed.proj.weight", {v.width, v.channels, v.patch, v.patch}, 0.5f));
  t.push_back(f32_tensor("patch_embed.proj.bias", {v.width}, 0.6f));
  for (int64_t i = 0; i < v.layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    add_layer_norm(t, b + "norm1", v.width);
    add_linear(t, b + "attn.qkv", 3 * v.width, v.width, o.qkv_bias);
    add_linear(t, b + "attn.proj", v.width, v.width);
    add_layer_norm(t, b + "norm2", v.width);
    add_linear(t, b + "mlp.fc1", v.mlp, v.width);
    add_linear(t, b + "mlp.fc2", v.width, v.mlp);
    if (o.layer_scale) {
      t.push_back(f32_tensor(b + "ls1.gamma", {v.width}, 0.25f));
      t.push_back(f32_tensor(b + "ls2.gamma", {v.width}, 0.75f));
    }
  }
  add_layer_norm(t, o.fc_norm ? "fc_norm" : "norm", v.width);
  add_linear(t, "head", v.classes, v.width);
  if (o.distilled) add_linear(t, "head_dist", v.classes, v.width);
  return t;
}

}  // namespace vitlens::test
