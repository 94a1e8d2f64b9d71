#pragma once
// Makes the inputs of the bad-input catalogue (catalogue.json beside this file; the keys are
// described in docs/reliability.md), for the CLI/engine test and the GUI test alike.
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "support/video_fixtures.hpp"

namespace vitlens::test::bad_inputs {

namespace fs = std::filesystem;
using nlohmann::json;

inline const fs::path kSource = VITLENS_SOURCE_DIR;
inline const fs::path kCatalogue = kSource / "tests" / "bad_inputs";
inline const fs::path kFixtures = kSource / "tests" / "fixtures";

inline json catalogue() {
  std::ifstream in(kCatalogue / "catalogue.json");
  return json::parse(in);
}

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void spit(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Every regular file below `root` (symlinks and pipes are not opened) with its bytes.
inline std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.symlink_status().type() == fs::file_type::regular && (entry.status().permissions() & fs::perms::owner_read) != fs::perms::none)
      files[entry.path().string()] = slurp(entry.path());
  return files;
}

inline void merge(json& target, const json& patch) {
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) target.erase(key);
    else target[key] = value;
  }
}

inline void patch_json_file(const fs::path& path, const json& patch) {
  json value = json::parse(slurp(path));
  merge(value, patch);
  spit(path, value.dump(1));
}

inline std::string nested_arrays(int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); }

// The safetensors file as its three parts, so an entry can break any one of them.
struct Safetensors {
  uint64_t declared = 0;
  std::string header;
  std::string data;

  static Safetensors read(const fs::path& path) {
    const std::string bytes = slurp(path);
    uint64_t length = 0;
    std::memcpy(&length, bytes.data(), 8);
    return {length, bytes.substr(8, length), bytes.substr(8 + length)};
  }
  void write(const fs::path& path) const {
    std::string bytes(8, '\0');
    std::memcpy(bytes.data(), &declared, 8);
    spit(path, bytes + header + data);
  }
};

inline void break_safetensors(const fs::path& path, const json& item) {
  Safetensors file = Safetensors::read(path);
  json header = json::parse(file.header);
  if (item.contains("header"))
    for (const auto& [tensor, fields] : item["header"].items()) {
      if (fields.is_null()) header.erase(tensor);
      else merge(header[tensor], fields);
    }
  if (item.contains("poison")) {
    const json& poison = item["poison"];
    const float value = poison["value"] == "nan" ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    const uint64_t at = header[poison["tensor"].get<std::string>()]["data_offsets"][0].get<uint64_t>();
    std::memcpy(file.data.data() + at, &value, sizeof value);
  }
  file.header = header.dump();
  if (item.contains("header_text")) file.header = item["header_text"];
  if (item.contains("header_nesting")) file.header = "{\"deep\": " + nested_arrays(item["header_nesting"]) + "}";
  file.declared = item.contains("header_length") ? std::stoull(item["header_length"].get<std::string>()) : file.header.size();
  file.write(path);
  if (item.contains("truncate")) fs::resize_file(path, item["truncate"].get<uint64_t>());
}

// A copy of a fixture model folder with the entry's damage done to it.
inline fs::path make_model(const fs::path& dir, const json& item) {
  const fs::path model = dir / "model";
  fs::copy(kFixtures / item.value("from", "hf_vit"), model, fs::copy_options::recursive);
  const fs::path config = model / "config.json", preprocessor = model / "preprocessor_config.json";
  const fs::path index = model / "model.safetensors.index.json";
  if (item.contains("config")) patch_json_file(config, item["config"]);
  if (item.contains("config_text")) spit(config, item["config_text"]);
  if (item.contains("config_nesting")) spit(config, nested_arrays(item["config_nesting"]));
  if (item.value("config_special", "") == "fifo") fs::remove(config), mkfifo(config.c_str(), 0644);
  if (item.value("config_special", "") == "folder") fs::remove(config), fs::create_directory(config);
  if (item.contains("preprocessor")) patch_json_file(preprocessor, item["preprocessor"]);
  if (item.contains("preprocessor_text")) spit(preprocessor, item["preprocessor_text"]);
  if (item.contains("index")) {
    json value = json::parse(slurp(index));
    merge(value["weight_map"], item["index"]);
    spit(index, value.dump(1));
  }
  if (item.contains("index_text")) spit(index, item["index_text"]);
  if (fs::exists(model / "model.safetensors")) break_safetensors(model / "model.safetensors", item);
  return model;
}

// Makes the entry's input inside `dir` and returns its path ("" for entries without one).
inline std::string make_input(const fs::path& dir, const json& item) {
  const std::string make = item["make"];
  const fs::path file = dir / item.value("file", "input");
  if (make == "none") return "";
  if (make == "model") return make_model(dir, item).string();
  if (make == "file") fs::copy_file(kCatalogue / "files" / item["file"].get<std::string>(), file);
  if (make == "text") spit(file, item["text"]);
  if (make == "fifo" && mkfifo(file.c_str(), 0644) != 0) throw std::runtime_error("mkfifo failed: " + file.string());
  if (make == "folder") fs::create_directory(file);
  if (make == "symlink_loop") fs::create_symlink(file.filename(), file);
  if (make == "dangling_symlink") fs::create_symlink("absent", file);
  if (make == "unreadable") spit(file, "\xff\xd8\xff"), fs::permissions(file, fs::perms::none);
  if (make == "cut_video") {
    vitlens::test::write_scene_video((dir / "whole.avi").string(), 40);
    vitlens::test::write_truncated_copy((dir / "whole.avi").string(), file.string(), 0.5);
  }
  return file.string();
}

}  // namespace vitlens::test::bad_inputs
