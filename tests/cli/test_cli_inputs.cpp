// What every image-taking command accepts (files, folders, --recursive), what it says when
// there is nothing to take, and the program-wide behaviour of vitlens-cli: --version, --help
// text, the detector/classifier hints and collision-free attention file names.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/image_fixtures.hpp"
#include "support/process.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/model/description.hpp"
#include "vitlens/util/version.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using vitlens::test::ProcessResult;
using vitlens::test::TempFolder;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kClassifier = (kFixtures / "hf_vit").string();
const std::string kDetector = (kFixtures / "yolos" / "yolos_mid").string();
const std::string kDeep = (kFixtures / "hf_vit_deep").string();  // 11 layers, 12 heads
const fs::path kImages = kFixtures / "images";

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A folder holding only subfolders, with images two levels down.
struct NestedImages {
  TempFolder root;
  std::string path;
  explicit NestedImages(const std::string& test) : root(test), path(root.file("album")) {
    fs::create_directories(fs::path(path) / "b" / "deeper");
    fs::create_directories(fs::path(path) / "a");
    fs::copy_file(kImages / "fruits.jpg", fs::path(path) / "b" / "deeper" / "fruits.jpg");
    fs::copy_file(kImages / "photo.bmp", fs::path(path) / "a" / "photo.bmp");
  }
};

}  // namespace

TEST_CASE("classify, detect and attention take folders and say when a folder holds no images", "[cli][inputs]") {
  const NestedImages nested("cli_inputs_nested");
  const std::vector<std::vector<std::string>> commands = {
      {"classify", "--model", kClassifier, "--device", "cpu"},
      {"detect", "--model", kDetector, "--device", "cpu"},
      {"attention", "--model", kClassifier, "--device", "cpu", "--format", "npy", "--out", nested.root.file("maps")},
  };
  for (std::vector<std::string> args : commands) {
    args.push_back(nested.path);
    const ProcessResult flat = cli(args);
    INFO(args[0] << "\n" << flat.out << flat.err);
    CHECK(flat.exit_code == 1);
    CHECK(contains(flat.err, nested.path + ": no images"));
    CHECK(contains(flat.err, "2 subfolders: pass --recursive"));
    CHECK_FALSE(contains(flat.out, "0 of 0"));

    args.insert(args.end() - 1, "--recursive");
    const ProcessResult deep = cli(args);
    INFO(deep.out << deep.err);
    CHECK(deep.exit_code == 0);
    if (args[0] == "attention") {
      CHECK(contains(deep.out, "2 of 2 images done"));
      continue;
    }
    // Natural order by path below the folder: a/photo.bmp, then b/deeper/fruits.jpg.
    const size_t first = deep.out.find("photo.bmp"), second = deep.out.find("fruits.jpg");
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    CHECK(first < second);
  }
}

TEST_CASE("classify and detect list a folder's images in natural order, like attention", "[cli][inputs]") {
  const TempFolder folder("cli_inputs_flat");
  for (const char* name : {"img10.bmp", "img2.bmp"}) fs::copy_file(kImages / "photo.bmp", folder.file(name));
  const ProcessResult run = cli({"classify", "--model", kClassifier, "--device", "cpu", "--json", folder.file("")});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const json results = json::parse(run.out)["results"];
  REQUIRE(results.size() == 2);
  CHECK(fs::path(results[0]["image"].get<std::string>()).filename() == "img2.bmp");
  CHECK(fs::path(results[1]["image"].get<std::string>()).filename() == "img10.bmp");
}

TEST_CASE("detect --json reports failed images in an errors array, as classify --json does", "[cli][inputs]") {
  const TempFolder folder("cli_inputs_detect_errors");
  const std::string bad = folder.write("broken.png", "not a PNG");
  const std::string good = (kImages / "photo.bmp").string();
  for (const std::string command : {"detect", "classify"}) {
    const ProcessResult run = cli({command, "--model", command == "detect" ? kDetector : kClassifier, "--device", "cpu",
                                   "--json", good, bad});
    INFO(command << "\n" << run.err);
    CHECK(run.exit_code == 1);
    const json document = json::parse(run.out);
    CHECK(document["results"].size() == 1);
    REQUIRE(document["errors"].size() == 1);
    CHECK(document["errors"][0]["image"] == bad);
    CHECK(contains(document["errors"][0]["error"].get<std::string>(), bad));
  }
}

TEST_CASE("asking a detector to classify points to detect, and an encoder to attention", "[cli][inputs]") {
  const std::string image = (kImages / "photo.bmp").string();
  const ProcessResult detector = cli({"classify", "--model", kDetector, image});
  CHECK(detector.exit_code == 1);
  CHECK(contains(detector.err, "object detector"));
  CHECK(contains(detector.err, "use 'vitlens-cli detect'"));
  CHECK_FALSE(contains(detector.err, "attention"));
  const ProcessResult encoder = cli({"classify", "--model", (kFixtures / "hf_dino").string(), image});
  CHECK(encoder.exit_code == 1);
  CHECK(contains(encoder.err, "'vitlens-cli attention'"));
}

TEST_CASE("vitlens-cli --version prints the version and the commit the program was built from", "[cli][inputs]") {
  const ProcessResult run = cli({"--version"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == std::string("vitlens-cli ") + vitlens::version_text() + "\n");
  CHECK(contains(run.out, "(commit "));
  CHECK(std::string(vitlens::build_commit()).size() >= 7);  // a hash, or "unknown" outside git
}

TEST_CASE("every command's --help ends with a newline", "[cli][inputs]") {
  for (const char* command : {"devices", "info", "classify", "detect", "bench", "eval", "attention", "live"}) {
    const ProcessResult run = cli({command, "--help"});
    INFO(command);
    CHECK(run.exit_code == 0);
    REQUIRE_FALSE(run.out.empty());
    CHECK(run.out.back() == '\n');
  }
}

TEST_CASE("attention names every file with its query and zero-pads layer and head numbers", "[cli][inputs]") {
  const TempFolder out("cli_inputs_names");
  const std::string image = (kImages / "fruits.jpg").string();
  for (const char* query : {"cls", "patch:1,2"}) {
    const ProcessResult run = cli({"attention", "--model", kDeep, "--device", "cpu", "--query", query, "--layers", "3,10",
                                   "--format", "npy,overlay", "--out", out.file(""), image});
    INFO(query << "\n" << run.err);
    CHECK(run.exit_code == 0);  // the second query does not collide with the first
  }
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(out.file(""))) names.insert(entry.path().filename().string());
  for (const char* name : {"fruits_raw_cls.npy", "fruits_raw_cls.json", "fruits_raw_patch1-2.npy", "fruits_raw_patch1-2.json",
                           "fruits_raw_cls_L03_H02_overlay.png", "fruits_raw_cls_L10_H11_overlay.png",
                           "fruits_raw_patch1-2_L03_H00_overlay.png"})
    CHECK(names.count(name) == 1);
  // Sorted as text, head 2 comes before head 10.
  const auto h02 = names.find("fruits_raw_cls_L03_H02_overlay.png"), h10 = names.find("fruits_raw_cls_L03_H10_overlay.png");
  REQUIRE(h10 != names.end());
  CHECK(std::distance(names.begin(), h02) < std::distance(names.begin(), h10));
}

TEST_CASE("info prints the engine's description of the model, resize limits included", "[cli][inputs]") {
  const std::string yolos = kDetector;
  const ProcessResult run = cli({"info", "--model", yolos});
  REQUIRE(run.exit_code == 0);
  for (const vitlens::ModelFact& fact : vitlens::describe_model(vitlens::load_model(yolos))) {
    INFO(fact.name);
    CHECK(contains(run.out, fact.value));
  }
  CHECK(contains(run.out, "longest edge at most"));
  CHECK(contains(run.out, "sides floored to multiples of"));
}
