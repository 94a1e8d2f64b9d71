// vitlens-cli detect, run as a subprocess on the YOLOS fixtures.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/image_fixtures.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures";
const std::string kDetector = kFixtures + "/yolos/yolos_mid";  // 10 detection tokens, 5 classes

vitlens::test::ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), VITLENS_CLI_PATH);
  return vitlens::test::run_process(args);
}

// A seeded 60x45 noise image.
std::string write_image(const vitlens::test::TempFolder& folder, const std::string& name) {
  cv::Mat image(45, 60, CV_8UC3);
  cv::RNG rng(3);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  const std::string path = folder.file(name);
  cv::imwrite(path, image);
  return path;
}

std::set<std::string> keys(const json& object) {
  std::set<std::string> names;
  for (const auto& item : object.items()) names.insert(item.key());
  return names;
}

}  // namespace

TEST_CASE("detect --json has exactly the documented keys and --threshold 0 lists every detection token", "[yolos][cli]") {
  const vitlens::test::TempFolder folder("cli_detect_json");
  const std::string image = write_image(folder, "noise.png");
  const auto result = cli({"detect", "--model", kDetector, "--device", "cpu", "--threshold", "0", "--json", image});
  REQUIRE(result.exit_code == 0);
  const json document = json::parse(result.out);
  CHECK(keys(document) == std::set<std::string>{"model", "device", "device_id", "results", "errors"});
  CHECK(document["errors"].empty());
  REQUIRE(document["results"].size() == 1);
  const json& r = document["results"][0];
  CHECK(keys(r) == std::set<std::string>{"image", "width", "height", "detections", "time_ms"});
  CHECK(r["image"] == image);
  CHECK(r["width"] == 60);
  CHECK(r["height"] == 45);
  REQUIRE(r["detections"].size() == 10);
  for (size_t j = 0; j < 10; ++j) {
    const json& d = r["detections"][j];
    CHECK(keys(d) == std::set<std::string>{"token", "label_id", "label", "score", "box"});
    CHECK(d["token"] == j);
    CHECK(d["box"].size() == 4);
    CHECK(d["box"][0].get<double>() < d["box"][2].get<double>());
    CHECK(d["score"].get<double>() > 0.0);
  }
  const auto strict = cli({"detect", "--model", kDetector, "--device", "cpu", "--threshold", "1", "--json", image});
  REQUIRE(strict.exit_code == 0);
  CHECK(json::parse(strict.out)["results"][0]["detections"].empty());
}

TEST_CASE("detect --annotate writes an image of the original size and refuses to overwrite it", "[yolos][cli]") {
  const vitlens::test::TempFolder folder("cli_detect_annotate");
  const std::string image = write_image(folder, "noise.png");
  const std::string out = folder.file("annotated");
  const std::vector<std::string> args{"detect", "--model", kDetector, "--threshold", "0", "--annotate", out, image};
  REQUIRE(cli(args).exit_code == 0);
  const cv::Mat drawn = cv::imread(out + "/noise_detections.png");
  CHECK(drawn.cols == 60);
  CHECK(drawn.rows == 45);

  const auto again = cli(args);
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("--overwrite"));
  std::vector<std::string> overwrite = args;
  overwrite.insert(overwrite.end() - 1, "--overwrite");
  CHECK(cli(overwrite).exit_code == 0);
}

TEST_CASE("detect refuses a classifier and bad numbers with clear messages", "[yolos][cli]") {
  const vitlens::test::TempFolder folder("cli_detect_refusals");
  const std::string image = write_image(folder, "noise.png");
  const auto classifier = cli({"detect", "--model", kFixtures + "/hf_vit", image});
  CHECK(classifier.exit_code == 1);
  CHECK_THAT(classifier.err, Catch::Contains("no detection heads") && Catch::Contains("classify"));
  CHECK(cli({"detect", "--model", kDetector, "--threshold", "1.5", image}).exit_code == 2);
  CHECK(cli({"detect", "--model", kDetector, "--nms", "abc", image}).exit_code == 2);
  CHECK(cli({"detect", "--model", kDetector, "--size", "8", image}).exit_code == 2);
}

TEST_CASE("detect --size changes the input resolution and --nms keeps a subset", "[yolos][cli]") {
  const vitlens::test::TempFolder folder("cli_detect_size");
  const std::string image = write_image(folder, "noise.png");
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"detect", "--model", kDetector, "--device", "cpu", "--threshold", "0", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(image);
    const auto result = cli(args);
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out)["results"][0]["detections"];
  };
  const json base = run({});
  CHECK(run({"--size", "64"}) != base);
  CHECK(run({"--nms", "0.3"}).size() <= base.size());
}
