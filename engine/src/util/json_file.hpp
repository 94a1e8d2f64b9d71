#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace vitlens {

// A parsed JSON file that remembers its path, so that every complaint about a field names
// the file it came from. Optional fields take the given fallback when absent; a field of
// the wrong type is an error, never silently ignored.
class JsonFile {
 public:
  static JsonFile read(const std::string& path);
  JsonFile(std::string path, nlohmann::json root) : path_(std::move(path)), root_(std::move(root)) {}

  const std::string& path() const { return path_; }
  const nlohmann::json& root() const { return root_; }
  bool has(const std::string& key) const { return root_.contains(key) && !root_[key].is_null(); }

  int integer(const std::string& key, int fallback) const;
  double number(const std::string& key, double fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  // A nested object (e.g. timm's "pretrained_cfg") as a JsonFile with the same path.
  JsonFile object(const std::string& key) const;

  [[noreturn]] void fail(const std::string& problem) const;

 private:
  const nlohmann::json& typed(const std::string& key, bool (nlohmann::json::*is_type)() const noexcept, const char* type_name) const;

  std::string path_;
  nlohmann::json root_;
};

}  // namespace vitlens
