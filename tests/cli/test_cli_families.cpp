// The CLI on the newer families: registers and SigLIP's probe as queries, where attention goes
// in the JSON description, and what an encoder-only tower answers to `classify` and `info`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;
using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFamilies = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "families";
const std::string kRegisters = (kFamilies / "hf_dinov2_reg_swiglu").string();
const std::string kSiglip = (kFamilies / "hf_siglip").string();
const std::string kClip = (kFamilies / "hf_clip").string();
const std::string kBeit = (kFamilies / "hf_beit").string();
const std::string kTimmBeit = (kFamilies / "timm_beit" / "model.safetensors").string();
const std::string kImage = (fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "images" / "fruits.jpg").string();

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

struct OutFolder {
  explicit OutFolder(const std::string& test) : path(fs::temp_directory_path() / ("vitlens_families_cli_" + test)) { fs::remove_all(path); }
  ~OutFolder() { fs::remove_all(path); }
  fs::path path;
};

}  // namespace

TEST_CASE("attention --query reg:J --format json reports the shares on prefix tokens, registers and patches", "[families]") {
  OutFolder out("registers");
  const ProcessResult run = cli({"attention", "--model", kRegisters, "--device", "cpu", "--size", "32", "--query", "reg:2",
                                 "--format", "json", "--out", out.path.string(), kImage});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(fs::exists(out.path / "fruits_raw_reg2.npy"));  // json alone
  const auto doc = read_json(out.path / "fruits_raw_reg2.json");
  CHECK(doc["queries"][0]["name"] == "reg:2");
  CHECK(doc["queries"][0]["token"] == 3);
  CHECK(doc["tokens"]["registers"] == 4);
  REQUIRE(doc["prefix_share"].size() == 2);     // layers
  REQUIRE(doc["prefix_share"][0].size() == 4);  // heads
  for (size_t l = 0; l < 2; ++l)
    for (size_t h = 0; h < 4; ++h) {
      const double prefix = doc["prefix_share"][l][h][0], patches = doc["patch_share"][l][h][0], registers = doc["register_share"][l][h][0];
      CHECK(prefix + patches == Approx(1.0).margin(1e-5));
      CHECK(registers <= prefix + 1e-7);
    }
}

TEST_CASE("SigLIP's attention defaults to its pooling probe, shown as the layer after the last", "[families]") {
  OutFolder out("probe");
  const ProcessResult run = cli({"attention", "--model", kSiglip, "--device", "cpu", "--heads", "mean", "--format", "npy,grid",
                                 "--out", out.path.string(), kImage});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(fs::exists(out.path / "fruits_raw_probe_grid.png"));
  const auto doc = read_json(out.path / "fruits_raw_probe.json");
  CHECK(doc["layers"] == nlohmann::json({2}));
  CHECK(doc["queries"][0]["name"] == "probe");
  CHECK(doc["queries"][0]["token"] == -1);
  CHECK(doc["tokens"]["prefix"] == 0);
  CHECK(doc["patch_share"][0][0][0].get<double>() == Approx(1.0).margin(1e-5));
}

TEST_CASE("queries a model does not have and rollout of the probe are usage errors", "[families]") {
  OutFolder out("bad");
  const auto attention = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"attention", "--device", "cpu", "--out", out.path.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(kImage);
    return cli(args);
  };
  const ProcessResult cls = attention({"--model", kSiglip, "--query", "cls"});
  CHECK(cls.exit_code == 2);
  CHECK(contains(cls.err, "no CLS token"));
  const ProcessResult rollout = attention({"--model", kSiglip, "--method", "rollout"});
  CHECK(rollout.exit_code == 2);
  CHECK(contains(rollout.err, "probe is no token"));
  const ProcessResult probe = attention({"--model", kRegisters, "--query", "probe"});
  CHECK(probe.exit_code == 2);
  CHECK(contains(probe.err, "no pooling probe"));
  const ProcessResult reg = attention({"--model", kRegisters, "--query", "reg:9"});
  CHECK(reg.exit_code == 2);
  CHECK(contains(reg.err, "out of range"));
}

TEST_CASE("classify refuses an image tower clearly and info describes it", "[families]") {
  const ProcessResult classify = cli({"classify", "--model", kClip, "--device", "cpu", kImage});
  CHECK(classify.exit_code == 1);
  CHECK(contains(classify.err, "no classification head"));
  const ProcessResult info = cli({"info", "--model", kClip});
  REQUIRE(info.exit_code == 0);
  CHECK(contains(info.out, "CLIP"));
  CHECK(contains(info.out, "projection to a 16-d joint embedding"));
  CHECK(contains(info.out, "embedding size"));
}

TEST_CASE("features --method embedding writes the image's embedding: CLIP's projection, SigLIP's probe output", "[families]") {
  struct Case {
    std::string model;
    int size;
  };
  for (const Case& c : {Case{kClip, 16}, Case{kSiglip, 32}, Case{kRegisters, 64}}) {
    OutFolder out("embedding");
    const ProcessResult run = cli({"features", "--model", c.model, "--device", "cpu", "--method", "embedding", "--out", out.path.string(), kImage});
    INFO(c.model << ": " << run.err);
    REQUIRE(run.exit_code == 0);
    std::ifstream npy(out.path / "fruits_embedding.npy", std::ios::binary);
    std::string header(128, '\0');
    npy.read(header.data(), 128);
    CHECK(contains(header, "'shape': (" + std::to_string(c.size) + ",)"));
  }
  const ProcessResult layer = cli({"features", "--model", kClip, "--method", "embedding", "--layer", "0", "--out", "/tmp", kImage});
  CHECK(layer.exit_code == 2);
}

TEST_CASE("BEiT: info names its relative position bias; both layouts classify at other sizes", "[families][beit]") {
  const ProcessResult info = cli({"info", "--model", kBeit});
  REQUIRE(info.exit_code == 0);
  CHECK(contains(info.out, "BEiT"));
  CHECK(contains(info.out, "relative position bias"));
  CHECK(contains(info.out, "mean pooling"));

  CHECK(cli({"classify", "--model", kBeit, "--device", "cpu", "--size", "40", kImage}).exit_code == 0);
  CHECK(cli({"classify", "--model", kTimmBeit, "--device", "cpu", "--size", "40", kImage}).exit_code == 0);
}
