#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "vitlens/eval/fashion_mnist.hpp"

// The bundled demo models, end to end through vitlens-cli: they load like downloaded
// checkpoints, recognise the bundled samples, and `eval` measures them.

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kResources = fs::path(VITLENS_SOURCE_DIR) / "resources";
const std::string kClassifier = (kResources / "models" / "fashion-vit").string();
const std::string kDetector = (kResources / "models" / "fashion-yolos").string();
const std::string kSampleScenes = (kResources / "samples" / "scenes").string();

vitlens::test::ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

bool fashion_mnist_installed() { return fs::exists(fs::path(vitlens::kFashionMnistDir) / "t10k-images-idx3-ubyte.gz"); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the bundled classifier names the class of every bundled Fashion-MNIST sample", "[demo]") {
  const json manifest = read_json(kResources / "samples" / "samples.json");
  REQUIRE(!manifest.at("fashion").empty());
  std::vector<std::string> args = {"classify", "--model", kClassifier, "--topk", "1", "--json"};
  for (const json& sample : manifest.at("fashion")) args.push_back((kResources / "samples" / sample.at("file").get<std::string>()).string());
  const vitlens::test::ProcessResult result = cli(args);
  REQUIRE(result.exit_code == 0);
  const json results = json::parse(result.out).at("results");
  REQUIRE(results.size() == manifest.at("fashion").size());
  for (size_t i = 0; i < results.size(); ++i) {
    INFO(results[i].at("image"));
    CHECK(results[i].at("top").at(0).at("label") == manifest.at("fashion")[i].at("label"));
  }
}

TEST_CASE("the bundled detector finds exactly the annotated items of every bundled scene", "[demo]") {
  const json manifest = read_json(kResources / "samples" / "samples.json");
  REQUIRE(!manifest.at("scenes").empty());
  std::vector<std::string> args = {"detect", "--model", kDetector, "--json"};
  for (const json& sample : manifest.at("scenes")) args.push_back((kResources / "samples" / sample.at("file").get<std::string>()).string());
  const vitlens::test::ProcessResult result = cli(args);
  REQUIRE(result.exit_code == 0);
  const json results = json::parse(result.out).at("results");
  REQUIRE(results.size() == manifest.at("scenes").size());
  for (size_t i = 0; i < results.size(); ++i) {
    INFO(results[i].at("image"));
    std::vector<std::string> found, expected = manifest.at("scenes")[i].at("labels").get<std::vector<std::string>>();
    for (const json& d : results[i].at("detections")) found.push_back(d.at("label"));
    std::sort(found.begin(), found.end());
    std::sort(expected.begin(), expected.end());
    CHECK(found == expected);
  }
}

TEST_CASE("eval scores the bundled scenes, which the detector gets right, at mAP@0.5 of 1", "[demo]") {
  const vitlens::test::ProcessResult result =
      cli({"eval", "--model", kDetector, "--dataset", "fashion-scenes", "--data", kSampleScenes, "--json"});
  REQUIRE(result.exit_code == 0);
  const json document = json::parse(result.out);
  CHECK(document.at("scenes").get<size_t>() == read_json(kResources / "samples" / "samples.json").at("scenes").size());
  CHECK(document.at("map50").get<double>() == Approx(1.0));
  CHECK(document.at("map50_95").get<double>() > 0.3);
  CHECK(document.at("per_class").size() == 10);
}

TEST_CASE("eval on the first Fashion-MNIST test images reports an accuracy and a confusion matrix that add up", "[demo]") {
  if (!fashion_mnist_installed()) {
    WARN("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); skipped");
    return;
  }
  const vitlens::test::ProcessResult result =
      cli({"eval", "--model", kClassifier, "--dataset", "fashion-mnist", "--limit", "300", "--json"});
  REQUIRE(result.exit_code == 0);
  const json document = json::parse(result.out);
  CHECK(document.at("images") == 300);
  CHECK(document.at("top1").get<double>() > 0.85);
  const json& matrix = document.at("confusion_matrix");
  REQUIRE(matrix.size() == 10);
  int total = 0, diagonal = 0;
  for (size_t t = 0; t < 10; ++t)
    for (size_t p = 0; p < 10; ++p) total += matrix[t][p].get<int>(), diagonal += t == p ? matrix[t][p].get<int>() : 0;
  CHECK(total == 300);
  CHECK(diagonal == document.at("correct").get<int>());
  CHECK(document.at("predictions").size() == 300);
}

TEST_CASE("eval in batches predicts exactly what it predicts image by image, and reports images/s", "[demo][batch]") {
  if (!fashion_mnist_installed()) {
    WARN("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); skipped");
    return;
  }
  auto predictions = [](const std::string& batch) {
    const vitlens::test::ProcessResult result = cli({"eval", "--model", kClassifier, "--dataset", "fashion-mnist", "--limit",
                                                     "100", "--device", "cpu", "--batch", batch, "--json"});
    REQUIRE(result.exit_code == 0);
    const json document = json::parse(result.out);
    CHECK(document.at("images_per_second").get<double>() > 0);
    return document.at("predictions");
  };
  CHECK(predictions("auto") == predictions("1"));

  auto scenes = [](const std::string& batch) {
    const vitlens::test::ProcessResult result = cli(
        {"eval", "--model", kDetector, "--dataset", "fashion-scenes", "--data", kSampleScenes, "--device", "cpu", "--batch", batch, "--json"});
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
  };
  const json alone = scenes("1"), batched = scenes("auto");
  CHECK(batched.at("map50_95").get<double>() == Approx(alone.at("map50_95").get<double>()).margin(1e-9));
  CHECK(batched.at("detections") == alone.at("detections"));
  CHECK(batched.at("images_per_second").get<double>() > 0);
}

TEST_CASE("eval without the Fashion-MNIST files names the Debian package to install", "[demo]") {
  const vitlens::test::ProcessResult result =
      cli({"eval", "--model", kClassifier, "--dataset", "fashion-mnist", "--data", "/nonexistent/fashion-mnist"});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.err, "/nonexistent/fashion-mnist/t10k-images-idx3-ubyte.gz"));
  CHECK(contains(result.err, "dataset-fashion-mnist"));
}

TEST_CASE("eval without held-out scenes names the command that writes them", "[demo]") {
  const vitlens::test::ProcessResult result =
      cli({"eval", "--model", kDetector, "--dataset", "fashion-scenes", "--data", "/nonexistent/scenes"});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.err, "tools/fashion_scenes.py --split test --count 1000 --out /nonexistent/scenes"));
}

TEST_CASE("eval refuses a dataset the model cannot be measured on", "[demo]") {
  const vitlens::test::ProcessResult unknown = cli({"eval", "--model", kClassifier, "--dataset", "imagenet"});
  CHECK(unknown.exit_code == 2);
  const vitlens::test::ProcessResult detector_on_mnist =
      cli({"eval", "--model", kDetector, "--dataset", "fashion-mnist", "--limit", "1"});
  CHECK(detector_on_mnist.exit_code == 1);
  CHECK(contains(detector_on_mnist.err, "not an image classifier"));
}
