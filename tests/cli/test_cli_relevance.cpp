// `vitlens-cli attention --method relevance|gradcam`: the engine's gradient-based maps for the
// chosen class, and clear refusals of classes and models that cannot be explained.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/npy_file.hpp"
#include "support/process.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"

namespace fs = std::filesystem;
using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kVit = (kFixtures / "hf_vit").string();
const std::string kImage = (kFixtures / "images" / "fruits.jpg").string();

ProcessResult attention(std::vector<std::string> args) {
  args.insert(args.begin(), {kCli, "attention"});
  return vitlens::test::run_process(args);
}

struct OutFolder {
  explicit OutFolder(const std::string& test) : path(fs::temp_directory_path() / ("vitlens_relevance_cli_" + test)) { fs::remove_all(path); }
  ~OutFolder() { fs::remove_all(path); }
  fs::path path;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("attention --method relevance --class LABEL writes the relevance map for that class, computed on the chosen device", "[relevance]") {
  OutFolder out("label");
  const ProcessResult run = attention({"--model", kVit, "--method", "relevance", "--class", "red fox", "--format", "npy", "--out", out.path.string(), kImage});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(contains(run.err, "note:"));  // no longer redirected to the CPU reference

  auto model = std::make_shared<const vitlens::Model>(vitlens::load_model(kVit));
  const vitlens::Tensor pixels = vitlens::preprocess(vitlens::load_image_rgb(kImage), model->preprocess);
  vitlens::Session session(model, vitlens::choose_device("cpu"));
  const vitlens::Explanation e = session.explain(pixels, {2, -1});
  const vitlens::AttentionMaps expected = vitlens::relevance_maps(e, vitlens::token_layout(model->config, 32, 32), {});
  const std::vector<float> written = vitlens::test::read_npy_floats(out.path / "fruits_relevance_cls.npy");
  REQUIRE(written.size() == expected.values.data.size());
  // The default device may be Vulkan (float) where the expected map comes from the reference (double).
  for (size_t i = 0; i < written.size(); ++i) CHECK(written[i] == Approx(expected.values.data[i]).margin(1e-5));

  std::ifstream sidecar(out.path / "fruits_relevance_cls.json");
  const auto doc = nlohmann::json::parse(sidecar);
  CHECK(doc["class"]["index"] == 2);
  CHECK(doc["class"]["label"] == "red fox");
  CHECK(doc["method"] == "relevance");
}

TEST_CASE("Grad-CAM explains a YOLOS detection token's top class", "[relevance]") {
  OutFolder out("yolos");
  const ProcessResult run = attention({"--model", (kFixtures / "yolos" / "yolos_mid").string(), "--method", "gradcam", "--query", "det:3",
                                       "--format", "json,grid", "--out", out.path.string(), kImage});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(fs::exists(out.path / "fruits_gradcam_det3_grid.png"));
  std::ifstream sidecar(out.path / "fruits_gradcam_det3.json");
  CHECK(nlohmann::json::parse(sidecar)["class"]["index"].is_number_integer());
}

TEST_CASE("bad classes, encoders and layer choices for gradient methods are usage errors", "[relevance]") {
  OutFolder out("bad");
  const auto check = [&](std::vector<std::string> args, const std::string& says) {
    args.insert(args.end(), {"--out", out.path.string(), kImage});
    const ProcessResult run = attention(args);
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err, says));
  };
  check({"--model", kVit, "--method", "relevance", "--class", "zebra"}, "not one of the model's labels");
  check({"--model", kVit, "--method", "relevance", "--class", "7"}, "class 7 is out of range");
  check({"--model", (kFixtures / "hf_dino").string(), "--method", "relevance"}, "no class to explain");
  check({"--model", kVit, "--method", "gradcam", "--layers", "0"}, "leave --layers and --heads out");
  check({"--model", kVit, "--method", "raw", "--class", "1"}, "--class applies to --method relevance and gradcam only");
}

TEST_CASE("bench --relevance reports the cost of a relevance map next to the forward pass", "[relevance]") {
  // On the reference, where the forward pass and the backward pass run on the same backend.
  const ProcessResult run =
      vitlens::test::run_process({kCli, "bench", "--model", kVit, "--device", "reference", "--runs", "2", "--warmup", "0", "--relevance", "--json"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = nlohmann::json::parse(run.out);
  // Times are not asserted (shared machines); the ratio is the two reported means' quotient.
  CHECK(doc["relevance_mean_ms"].get<double>() > 0);
  CHECK(doc["relevance_ratio"].get<double>() == Approx(doc["relevance_mean_ms"].get<double>() / doc["mean_ms"].get<double>()).epsilon(1e-3));
  CHECK(doc["relevance_median_ratio"].get<double>() ==
        Approx(doc["relevance_median_ms"].get<double>() / doc["median_ms"].get<double>()).epsilon(1e-3));
}
