#include "util/json_file.hpp"

#include <cmath>
#include <fstream>
#include <limits>

#include "util/regular_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

using json = nlohmann::json;

JsonFile JsonFile::read(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open for reading");
  try {
    json root = json::parse(in);
    if (!root.is_object()) throw Error(path + ": is not a JSON object");
    return JsonFile(path, std::move(root));
  } catch (const json::exception& e) {
    throw Error(path + ": is not valid JSON (" + e.what() + ")");
  }
}

void JsonFile::fail(const std::string& problem) const { throw Error(path_ + ": " + problem); }

const json& JsonFile::typed(const std::string& key, bool (json::*is_type)() const noexcept, const char* type_name) const {
  static const json absent;
  const json& value = root_.contains(key) ? root_[key] : absent;  // const [] on a missing key is undefined
  if (!(value.*is_type)()) fail("\"" + key + "\" should be " + type_name + ", not " + value.dump());
  return value;
}

int JsonFile::integer(const std::string& key, int fallback) const {
  if (!has(key)) return fallback;
  const json& value = typed(key, &json::is_number_integer, "an integer");
  const auto wide = value.get<int64_t>();
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) fail("\"" + key + "\" is out of range: " + value.dump());
  return static_cast<int>(wide);
}

double JsonFile::number(const std::string& key, double fallback) const {
  return has(key) ? typed(key, &json::is_number, "a number").get<double>() : fallback;
}

bool JsonFile::boolean(const std::string& key, bool fallback) const {
  return has(key) ? typed(key, &json::is_boolean, "true or false").get<bool>() : fallback;
}

std::string JsonFile::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? typed(key, &json::is_string, "a string").get<std::string>() : fallback;
}

JsonFile JsonFile::object(const std::string& key) const {
  return JsonFile(path_, has(key) ? typed(key, &json::is_object, "an object") : json::object());
}

}  // namespace vitlens
