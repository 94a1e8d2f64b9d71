// The catalogue of hostile and broken inputs (catalogue.json beside this file): every entry is
// made here (or copied from files/), given to vitlens-cli and, where the entry names one, to the
// engine function that reads it. Each must end with the exit code and the error the entry
// expects, within bounded time and memory, and without changing any file that existed before.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/safetensors_writer.hpp"
#include "support/video_fixtures.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/live/source.hpp"
#include "vitlens/util/error.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kSource = VITLENS_SOURCE_DIR;
const fs::path kCatalogue = kSource / "tests" / "bad_inputs";
const fs::path kFixtures = kSource / "tests" / "fixtures";

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// A hang or a runaway allocation fails the entry instead of the whole run. Sanitizer runtimes
// reserve terabytes of address space, so the memory bound applies to plain builds only.
const vitlens::test::ProcessLimits kLimits{120, kSanitized ? 0 : rlim_t{8} << 30};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Every regular file below `root` (symlinks and pipes are not opened) with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.symlink_status().type() == fs::file_type::regular && (entry.status().permissions() & fs::perms::owner_read) != fs::perms::none)
      files[entry.path().string()] = slurp(entry.path());
  return files;
}

void merge(json& target, const json& patch) {
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) target.erase(key);
    else target[key] = value;
  }
}

void patch_json_file(const fs::path& path, const json& patch) {
  json value = json::parse(slurp(path));
  merge(value, patch);
  spit(path, value.dump(1));
}

std::string nested_arrays(int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); }

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

void break_safetensors(const fs::path& path, const json& item) {
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
fs::path make_model(const fs::path& dir, const json& item) {
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
std::string make_input(const fs::path& dir, const json& item) {
  const std::string make = item["make"];
  const fs::path file = dir / item.value("file", "input");
  if (make == "none") return "";
  if (make == "model") return make_model(dir, item).string();
  if (make == "file") fs::copy_file(kCatalogue / "files" / item["file"].get<std::string>(), file);
  if (make == "text") spit(file, item["text"]);
  if (make == "fifo") REQUIRE(mkfifo(file.c_str(), 0644) == 0);
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

std::string expand(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values)
    for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
  return text;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Reads all of a live source; its error is what opening threw or why it ended.
std::string video_error(const std::string& source) {
  try {
    vitlens::VideoSource video(vitlens::SourceSpec::parse(source));
    vitlens::LiveFrame frame;
    for (int frames = 0; frames < 1000 && video.read(frame);) ++frames;
    return video.failure();
  } catch (const vitlens::Error& e) {
    return e.what();
  }
}

// What the engine function the entry names says about the input ("" when it accepts it).
std::string api_error(const std::string& api, const std::string& input) {
  try {
    if (api == "load_model") vitlens::load_model(input);
    if (api == "load_image") vitlens::load_image_rgb(input);
    if (api == "video") return video_error(input);
  } catch (const vitlens::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every catalogued bad input gets its exit code and an error naming the file and the problem, changing no file", "[bad_inputs]") {
  const json catalogue = json::parse(slurp(kCatalogue / "catalogue.json"));
  REQUIRE(catalogue.size() >= 60);
  int number = 0;
  for (const json& item : catalogue) {
    const std::string name = item["name"];
    INFO("catalogue entry: " << name);
    if (item.value("skip_as_root", false) && geteuid() == 0) {
      WARN("skipped as root, who can read any file: " << name);
      continue;
    }
    vitlens::test::TempDir dir("bad_input_" + std::to_string(number++));
    spit(dir.path() / "existing.txt", "a file that was here before\n");
    const std::string input = make_input(dir.path(), item);
    const std::map<std::string, std::string> values = {
        {"{input}", input},
        {"{model}", (kFixtures / "hf_vit").string()},
        {"{detector}", (kFixtures / "yolos" / "yolos_mid").string()},
        {"{image}", (kFixtures / "images" / "fruits.jpg").string()},
        {"{tmp}", dir.path().string()}};
    std::vector<std::string> argv = {VITLENS_CLI_PATH};
    for (const json& arg : item["cli"]) argv.push_back(expand(arg, values));
    const std::string error = item["error"];
    const std::string names = item.value("names", input.empty() ? "" : fs::path(input).filename().string());

    const auto before = snapshot(dir.path());
    const vitlens::test::ProcessResult run = vitlens::test::run_process(argv, kLimits);
    INFO("exit " << run.exit_code << "\nstdout: " << run.out << "\nstderr: " << run.err);
    CHECK(run.exit_code == item["exit"].get<int>());
    if (item["exit"] != 0) {
      CHECK(contains(run.err, error));
      CHECK(contains(run.err, names));
    }
    const auto after = snapshot(dir.path());
    for (const auto& [path, bytes] : before) {
      INFO("file " << path);
      CHECK((after.count(path) == 1 && after.at(path) == bytes));
    }

    if (!item.contains("api")) continue;
    const std::string said = api_error(item["api"], item.value("source", input));
    INFO("engine: " << said);
    if (item["exit"] == 0) {
      CHECK(said.empty());
    } else {
      CHECK(contains(said, error));
      CHECK(contains(said, names));
    }
  }
}
