#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/npy_file.hpp"
#include "support/process.hpp"
#include "vitlens/checkpoint/safetensors.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kDeit = (kFixtures / "hf_deit_distilled").string();  // patch 8, CLS + DIST
const std::string kTimm = (kFixtures / "timm_vit_f16" / "model.safetensors").string();
const std::string kYolos = (kFixtures / "yolos" / "yolos_mid").string();
const std::string kFruits = (kFixtures / "images" / "fruits.jpg").string();  // 160x120
const std::string kSmall = (kFixtures / "images" / "resize_fruits_37x23_bicubic.png").string();

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// tools/make_size_fixtures.py's output for one case.
vitlens::Tensor expected(const std::string& name, const std::string& tensor) {
  return vitlens::TensorStore::open_file((kFixtures / "sizes" / (name + ".safetensors")).string()).read(tensor);
}

class OutFolder {
 public:
  explicit OutFolder(const std::string& name) : path_(fs::temp_directory_path() / ("vitlens_cli_sizes_" + name)) {
    fs::remove_all(path_);
  }
  ~OutFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void check_classify(const std::string& model, const std::string& size, const std::string& image,
                    const std::string& fixture, const json& input, int tokens) {
  INFO(model << " --size " << size);
  const ProcessResult run = cli({"classify", "--model", model, "--size", size, "--json", image});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const json result = json::parse(run.out).at("results").at(0);
  CHECK(result.at("input_size") == input);
  CHECK(result.at("tokens") == tokens);
  const vitlens::Tensor logits = expected(fixture, "logits");
  REQUIRE(result.at("logits").size() == logits.data.size());
  for (size_t i = 0; i < logits.data.size(); ++i) CHECK(result.at("logits").at(i).get<double>() == Approx(logits.data[i]).margin(1e-4));
}

}  // namespace

TEST_CASE("classify --size gives the frameworks' logits at the chosen size, for a Hugging Face folder and a timm file",
          "[cli][sizes]") {
  check_classify(kDeit, "48x40", kFruits, "hf_deit_48x40", {48, 40}, 32);
  check_classify(kDeit, "native", kSmall, "hf_deit_native", {24, 40}, 17);
  check_classify(kTimm, "16x24", kFruits, "timm_16x24", {16, 24}, 7);
  check_classify(kTimm, "24", kFruits, "timm_24", {24, 24}, 10);
}

TEST_CASE("attention --size exports the chosen size's grid with PyTorch's attention rows", "[cli][sizes]") {
  OutFolder out("attention");
  const ProcessResult run = cli({"attention", "--model", kDeit, "--device", "cpu", "--size", "48x40", "--query", "cls",
                                 "--format", "npy", "--out", out.path().string(), kFruits});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const json sidecar = json::parse(vitlens::test::detail::slurp(out.path() / "fruits_raw_cls.json"));
  CHECK(sidecar["input_size"] == json({{"width", 40}, {"height", 48}}));
  CHECK(sidecar["grid"] == json({{"height", 6}, {"width", 5}}));

  // Raw maps are the CLS row's patch columns: [layers, heads, 1 query, 6, 5].
  const vitlens::Tensor attention = expected("hf_deit_48x40", "attention");  // [2, 3, 32, 32]
  const std::vector<float> written = vitlens::test::read_npy_floats(out.path() / "fruits_raw_cls.npy");
  REQUIRE(written.size() == 2 * 3 * 30);
  for (int map = 0; map < 6; ++map)
    for (int patch = 0; patch < 30; ++patch)
      CHECK(written[static_cast<size_t>(map * 30 + patch)] ==
            Approx(attention.data[static_cast<size_t>(map * 32 * 32 + 2 + patch)]).margin(1e-5));
}

TEST_CASE("detect --size takes native and HxW as well as the shortest edge", "[cli][sizes]") {
  for (const std::string size : {"native", "48x64", "40"}) {
    INFO(size);
    const ProcessResult run = cli({"detect", "--model", kYolos, "--size", size, "--threshold", "0", "--json", kFruits});
    INFO(run.err);
    CHECK(run.exit_code == 0);
  }
}

TEST_CASE("malformed, zero, negative and sub-patch sizes are usage errors on every command that runs a model",
          "[cli][sizes]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"abc", "is not valid"},  {"0", "zero side"},         {"-16", "negative"},
      {"4x32", "smaller than one patch"}, {"30x37", "try 32x40"}, {"32x", "is not valid"},
  };
  const std::vector<std::vector<std::string>> commands = {
      {"classify", "--model", kDeit, kFruits},
      {"attention", "--model", kDeit, "--out", (fs::temp_directory_path() / "vitlens_cli_sizes_unused").string(), kFruits},
      {"bench", "--model", kDeit},
      {"live", "--model", kDeit, "--source", "0"},
      {"eval", "--model", kDeit, "--dataset", "fashion-mnist"},
  };
  for (const auto& command : commands)
    for (const auto& [size, message] : bad) {
      std::vector<std::string> args = command;
      args.insert(args.begin() + 1, {"--size", size});
      INFO(json(args).dump());
      const ProcessResult run = cli(args);
      INFO(run.err);
      CHECK(run.exit_code == 2);
      CHECK(contains(run.err, "--size"));
      CHECK(contains(run.err, message));
      CHECK(contains(run.err, "usage: vitlens-cli"));
    }
  const ProcessResult detect = cli({"detect", "--model", kYolos, "--size", "4", kFruits});
  CHECK(detect.exit_code == 2);
  CHECK(contains(detect.err, "smaller than one patch"));
  CHECK(cli({"classify", "--model", kDeit, "--max-tokens", "0", kFruits}).exit_code == 2);
  CHECK(cli({"classify", "--model", kDeit, "--max-tokens", "many", kFruits}).exit_code == 2);
}

TEST_CASE("an input over the token limit fails naming its token count, the limit and --max-tokens", "[cli][sizes]") {
  const ProcessResult fixed = cli({"classify", "--model", kDeit, "--size", "48x40", "--max-tokens", "20", kFruits});
  CHECK(fixed.exit_code == 1);
  CHECK(contains(fixed.err, "48x40 is 32 tokens"));
  CHECK(contains(fixed.err, "limit of 20"));
  CHECK(contains(fixed.err, "--max-tokens"));
  CHECK(fixed.out.empty());

  // native depends on the image: 160 x 120 at patch 8 is 2 + 20 * 15 = 302 tokens.
  const ProcessResult native = cli({"classify", "--model", kDeit, "--size", "native", "--max-tokens", "300", kFruits});
  CHECK(native.exit_code == 1);
  CHECK(contains(native.err, kFruits));
  CHECK(contains(native.err, "302 tokens, more than the limit of 300"));
  CHECK(cli({"classify", "--model", kDeit, "--size", "native", "--max-tokens", "302", kFruits}).exit_code == 0);
}
