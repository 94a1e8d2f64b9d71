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

#include "bad_inputs/make_input.hpp"
#include "support/process.hpp"
#include "support/safetensors_writer.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/live/source.hpp"
#include "vitlens/util/error.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace vitlens::test::bad_inputs;

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
  const json catalogue = vitlens::test::bad_inputs::catalogue();
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
