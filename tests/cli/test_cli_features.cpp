// vitlens-cli features and heads as a user runs them: the files and JSON they promise, and
// clear usage errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/image_fixtures.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using vitlens::test::ProcessResult;
using vitlens::test::TempFolder;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kDino = (kFixtures / "hf_dino").string();
const std::string kImage = (kFixtures / "images" / "baboon.png").string();

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The shape in a .npy file's header, e.g. "(4, 4, 3)".
std::string npy_shape(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string header(128, '\0');
  in.read(header.data(), 128);
  const size_t start = header.find("'shape': (");
  return header.substr(start + 9, header.find(')', start) - start - 8);
}

}  // namespace

TEST_CASE("features --method pca writes STEM_pca.npy [grid_h, grid_w, 3] and an image-sized PNG", "[cli][features]") {
  TempFolder out("features_pca");
  const ProcessResult r = cli({"features", "--model", kDino, "--method", "pca", "--device", "cpu", "--out", out.file("maps"), kImage});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(npy_shape(out.file("maps/baboon_pca.npy")) == "(4, 4, 3)");
  CHECK(fs::file_size(out.file("maps/baboon_pca.png")) > 0);
  // A second run into the same folder keeps the files unless asked.
  const ProcessResult again = cli({"features", "--model", kDino, "--method", "pca", "--out", out.file("maps"), kImage});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "already exists; pass --overwrite"));
}

TEST_CASE("features --layer and --method similarity name their files by layer and patch", "[cli][features]") {
  TempFolder out("features_similarity");
  const ProcessResult r = cli({"features", "--model", kDino, "--method", "similarity", "--patch", "1,2", "--layer", "0",
                               "--format", "npy", "--out", out.file("maps"), kImage});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(npy_shape(out.file("maps/baboon_similarity_patch1-2_L00.npy")) == "(4, 4)");
  CHECK_FALSE(fs::exists(out.file("maps/baboon_similarity_patch1-2_L00.png")));
}

TEST_CASE("features refuses a missing --patch, a layer the model lacks and a patch outside the grid", "[cli][features]") {
  TempFolder out("features_errors");
  ProcessResult r = cli({"features", "--model", kDino, "--method", "similarity", "--out", out.file("maps"), kImage});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--method similarity needs --patch R,C"));
  r = cli({"features", "--model", kDino, "--method", "pca", "--layer", "2", "--out", out.file("maps"), kImage});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--layer 2 is out of range: the model has 2 layers (0-1)"));
  r = cli({"features", "--model", kDino, "--method", "similarity", "--patch", "4,0", "--out", out.file("maps"), kImage});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "patch 4,0 is outside the 4x4 patch grid"));
  r = cli({"features", "--model", kDino, "--method", "pca", "--foreground", "1.5", "--out", out.file("maps"), kImage});
  CHECK(r.exit_code == 2);
}

TEST_CASE("heads --json gives mean_attention_distance and attention_entropy per layer and head, and --plot a PNG",
          "[cli][heads]") {
  TempFolder out("heads");
  const ProcessResult r = cli({"heads", "--model", kDino, "--json", "--plot", out.file("fig7.png"), kImage, kImage});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["images"] == 2);
  REQUIRE(doc["mean_attention_distance"].size() == 2);      // layers
  CHECK(doc["mean_attention_distance"][0].size() == 2);      // heads
  CHECK(doc["attention_entropy"][1].size() == 2);
  CHECK(doc["mean_attention_distance"][0][0].get<double>() > 0);
  CHECK(doc["errors"].empty());
  CHECK(fs::file_size(out.file("fig7.png")) > 0);
  const ProcessResult again = cli({"heads", "--model", kDino, "--plot", out.file("fig7.png"), kImage});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "already exists"));
}
