#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures";
const std::string kClassifier = kFixtures + "/hf_vit";  // 32x32 input, patch 8, at least 3 classes
const std::string kEncoderOnly = kFixtures + "/hf_dino";

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return vitlens::test::run_process(args);
}

// A folder of test images, removed when the test ends.
class ImageFolder {
 public:
  explicit ImageFolder(const std::string& test) : path_(fs::temp_directory_path() / ("vitlens_cli_" + test)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ImageFolder() { fs::remove_all(path_); }

  // A smooth colour gradient with a seeded pattern, so different seeds classify differently.
  std::string png(const std::string& name, int seed) const {
    cv::Mat image(48, 40, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed));
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    std::string file = (path_ / name).string();
    cv::imwrite(file, image);
    return file;
  }
  std::string text_file(const std::string& name) const {
    std::string file = (path_ / name).string();
    std::ofstream(file) << "not an image";
    return file;
  }

 private:
  fs::path path_;
};

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("vitlens-cli --help lists every command and each command has its own help", "[cli]") {
  ProcessResult overview = cli({"--help"});
  CHECK(overview.exit_code == 0);
  for (const std::string command : {"devices", "info", "classify", "bench"}) {
    CHECK(contains(overview.out, command));
    for (const std::string flag : {"--help", "-h"}) {
      ProcessResult help = cli({command, flag});
      CHECK(help.exit_code == 0);
      CHECK(contains(help.out, "usage: vitlens-cli " + command));
    }
  }
  CHECK(contains(cli({"classify", "--help"}).out, "--topk"));
}

TEST_CASE("usage mistakes exit with status 2 and a usage line", "[cli]") {
  const std::vector<std::vector<std::string>> mistakes = {
      {},
      {"frobnicate"},
      {"devices", "--frobnicate"},
      {"info"},
      {"classify", "image.png"},
      {"classify", "--model", kClassifier},
      {"bench"},
      {"classify", "--model"},
      {"classify", "--model", kClassifier, "--topk", "three", "image.png"},
      {"bench", "--model", kClassifier, "--runs", "0"},
      {"bench", "--model", kClassifier, "--size", "32x"},
      {"bench", "--model", kClassifier, "--size", "36"},
      {"devices", "extra"},
      {"classify", "--model", kClassifier, "--batch", "0", "image.png"},
      {"classify", "--model", kClassifier, "--batch", "many", "image.png"},
      {"bench", "--model", kClassifier, "--batch", "-2"},
  };
  for (const auto& args : mistakes) {
    ProcessResult result = cli(args);
    INFO("arguments: " << nlohmann::json(args).dump() << "\nstderr: " << result.err);
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "usage: vitlens-cli"));
    CHECK(result.out.empty());
  }
}

TEST_CASE("a model that does not exist exits with status 1 and names the path", "[cli]") {
  const std::string missing = kFixtures + "/no_such_model";
  for (const std::string command : {"info", "classify", "bench"}) {
    std::vector<std::string> args = {command, "--model", missing};
    if (command == "classify") args.push_back("image.png");
    ProcessResult result = cli(args);
    INFO(command << " stderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(contains(result.err, missing));
  }
}

TEST_CASE("devices lists the CPU reference and marks the automatic choice", "[cli]") {
  ProcessResult text = cli({"devices"});
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "cpu"));

  ProcessResult result = cli({"devices", "--json"});
  REQUIRE(result.exit_code == 0);
  json document = json::parse(result.out);
  int automatic = 0;
  bool has_cpu = false;
  for (const json& device : document.at("devices")) {
    for (const char* key : {"id", "name", "kind", "driver"}) CHECK(device.contains(key));
    has_cpu = has_cpu || device.at("id") == "cpu";
    automatic += device.at("auto").get<bool>();
  }
  CHECK(has_cpu);
  CHECK(automatic == 1);
  CHECK(document.at("devices").at(0).at("id") == document.at("auto"));
}

TEST_CASE("info describes the model's sizes and pre-processing as its config files say", "[cli]") {
  json config = read_json(kClassifier + "/config.json");
  ProcessResult text = cli({"info", "--model", kClassifier});
  REQUIRE(text.exit_code == 0);
  for (const std::string part : {"ViTForImageClassification", "32x32", "tabby cat", "gelu"}) CHECK(contains(text.out, part));
  CHECK(contains(text.out, "hidden size     " + config.at("hidden_size").dump()));
  CHECK(contains(text.out, "MLP size        " + config.at("intermediate_size").dump()));

  ProcessResult result = cli({"info", "--model", kClassifier, "--json"});
  REQUIRE(result.exit_code == 0);
  json info = json::parse(result.out);
  CHECK(info.at("architecture") == "ViTForImageClassification");
  CHECK(info.at("hidden_size") == config.at("hidden_size"));
  CHECK(info.at("num_layers") == config.at("num_hidden_layers"));
  CHECK(info.at("num_heads") == config.at("num_attention_heads"));
  CHECK(info.at("mlp_size") == config.at("intermediate_size"));
  CHECK(info.at("patch_size") == config.at("patch_size"));
  CHECK(info.at("image_size") == json({config.at("image_size"), config.at("image_size")}));
  CHECK(info.at("num_classes") == config.at("id2label").size());
  CHECK(info.at("labels").at(0) == config.at("id2label").at("0"));
  CHECK(info.at("parameters").get<int64_t>() > 0);
  CHECK(info.at("preprocess").at("normalize").at("mean") == json({0.5, 0.5, 0.5}));
}

TEST_CASE("classify --json gives one document with sorted probabilities and every logit", "[cli]") {
  ImageFolder folder("classify_json");
  std::vector<std::string> images = {folder.png("a.png", 1), folder.png("b.png", 2)};
  ProcessResult result = cli({"classify", "--model", kClassifier, "--device", "cpu", "--topk", "3", "--json",
                              images[0], images[1]});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  size_t classes = read_json(kClassifier + "/config.json").at("id2label").size();
  json document = json::parse(result.out);
  CHECK(document.at("model").is_string());
  CHECK(document.at("device").is_string());
  REQUIRE(document.at("results").size() == 2);
  for (size_t i = 0; i < images.size(); ++i) {
    const json& r = document.at("results").at(i);
    CHECK(r.at("image") == images[i]);
    CHECK(r.at("time_ms").get<double>() >= 0);
    CHECK(r.at("logits").size() == classes);
    const json& top = r.at("top");
    REQUIRE(top.size() == 3);
    double sum = 0;
    for (size_t k = 0; k < top.size(); ++k) {
      for (const char* key : {"index", "label", "probability"}) CHECK(top[k].contains(key));
      sum += top[k].at("probability").get<double>();
      if (k > 0) CHECK(top[k - 1].at("probability").get<double>() >= top[k].at("probability").get<double>());
    }
    CHECK(sum <= 1.0 + 1e-6);
    const json& logits = r.at("logits");
    int best = top[0].at("index");
    for (const json& logit : logits) CHECK(logits.at(best).get<double>() >= logit.get<double>());
  }
}

TEST_CASE("classify in batches gives every image the logits it gets alone, in input order, and reports images/s", "[cli][batch]") {
  ImageFolder folder("classify_batches");
  std::vector<std::string> images;
  for (int i = 0; i < 7; ++i) images.push_back(folder.png("img" + std::to_string(i) + ".png", i));
  auto classify = [&](const std::string& batch) {
    std::vector<std::string> args = {"classify", "--model", kClassifier, "--device", "cpu", "--batch", batch, "--json"};
    args.insert(args.end(), images.begin(), images.end());
    ProcessResult result = cli(args);
    INFO("--batch " << batch << " stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
  };
  const json alone = classify("1"), batched = classify("3"), automatic = classify("auto");
  CHECK(batched.at("images_per_second").get<double>() > 0);
  CHECK(batched.at("seconds").get<double>() > 0);
  for (size_t i = 0; i < images.size(); ++i) {
    const json& a = alone.at("results").at(i);
    CHECK(a.at("batch") == 1);
    CHECK(batched.at("results").at(i).at("batch") == (i < 6 ? 3 : 1));  // two full batches, then the last image
    CHECK(automatic.at("results").at(i).at("batch") == 7);               // 17 tokens: the CPU device takes all 7
    for (const json* other : {&batched, &automatic}) {
      const json& b = other->at("results").at(i);
      CHECK(b.at("image") == images[i]);
      for (size_t c = 0; c < a.at("logits").size(); ++c)
        CHECK(b.at("logits").at(c).get<double>() == Approx(a.at("logits").at(c).get<double>()).margin(1e-4));
    }
  }
  ProcessResult text = cli({"classify", "--model", kClassifier, "--device", "cpu", images[0], images[1]});
  CHECK(contains(text.out, "2 images classified in"));
  CHECK(contains(text.out, "images/s"));
  CHECK(contains(text.out, "as 1 of 2"));
}

TEST_CASE("bench times N images per pass with --batch, the device's preference with auto, and the full last layer with --hidden-state", "[cli][batch]") {
  auto bench = [](std::vector<std::string> extra) {
    std::vector<std::string> args = {"bench", "--model", kClassifier, "--device", "cpu", "--runs", "2", "--warmup", "0", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult result = cli(args);
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
  };
  CHECK(bench({}).at("batch") == 1);
  CHECK(bench({"--batch", "3"}).at("batch") == 3);
  CHECK(bench({"--batch", "auto"}).at("batch") == 8);  // 17 tokens: the CPU device's most
  const json full = bench({"--hidden-state"});
  CHECK(full.at("batch") == 1);
  CHECK(full.at("median_ms").get<double>() > 0);
  CHECK(contains(cli({"bench", "--help"}).out, "--hidden-state"));
}

TEST_CASE("classify prints a table naming the device, the labels and the indices", "[cli]") {
  ImageFolder folder("classify_text");
  ProcessResult result = cli({"classify", "--model", kClassifier, "--device", "cpu", folder.png("a.png", 1)});
  REQUIRE(result.exit_code == 0);
  CHECK(contains(result.out, "device: "));
  CHECK(contains(result.out, "[cpu]"));
  CHECK(contains(result.out, "a.png"));
  CHECK(contains(result.out, "PROBABILITY"));
}

TEST_CASE("the CPU backend and the automatic device agree on the top class", "[cli]") {
  ImageFolder folder("classify_devices");
  std::vector<std::string> images = {folder.png("a.png", 1), folder.png("b.png", 2), folder.png("c.png", 3)};
  auto top1 = [&](const std::string& device) {
    std::vector<std::string> args = {"classify", "--model", kClassifier, "--device", device, "--json"};
    args.insert(args.end(), images.begin(), images.end());
    ProcessResult result = cli(args);
    INFO(device << " stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    std::vector<int> indices;
    const json doc = json::parse(result.out);  // named: a range over a temporary's member would dangle
    for (const json& r : doc.at("results")) indices.push_back(r.at("top").at(0).at("index"));
    return indices;
  };
  CHECK(top1("auto") == top1("cpu"));
}

TEST_CASE("an image that fails is reported on stderr and the others are still classified", "[cli]") {
  ImageFolder folder("classify_bad_image");
  std::string good1 = folder.png("good1.png", 1), good2 = folder.png("good2.png", 2);
  std::string bad = folder.text_file("bad.png"), missing = (fs::temp_directory_path() / "vitlens_missing.png").string();
  ProcessResult result =
      cli({"classify", "--model", kClassifier, "--device", "cpu", "--json", good1, bad, missing, good2});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.err, bad));
  CHECK(contains(result.err, missing));
  json document = json::parse(result.out);
  REQUIRE(document.at("results").size() == 2);
  CHECK(document.at("results").at(0).at("image") == good1);
  CHECK(document.at("results").at(1).at("image") == good2);
  REQUIRE(document.at("errors").size() == 2);
  CHECK(document.at("errors").at(0).at("image") == bad);
  CHECK(document.at("errors").at(1).at("image") == missing);
}

TEST_CASE("classify refuses a model without a classifier and points to attention and info", "[cli]") {
  ImageFolder folder("classify_encoder");
  ProcessResult result = cli({"classify", "--model", kEncoderOnly, "--device", "cpu", folder.png("a.png", 1)});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.err, "no classification head"));
  CHECK(contains(result.err, "attention"));
  CHECK(contains(result.err, "info"));
}

TEST_CASE("bench --json reports the timing keys for the model's size or the one asked for", "[cli]") {
  ProcessResult result = cli({"bench", "--model", kClassifier, "--device", "cpu", "--runs", "2", "--json"});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  json document = json::parse(result.out);
  for (const char* key : {"model", "device", "size", "runs", "first_ms", "mean_ms", "median_ms", "min_ms", "p90_ms"})
    CHECK(document.contains(key));
  CHECK(document.at("size") == json({32, 32}));
  CHECK(document.at("runs") == 2);
  CHECK(document.at("min_ms").get<double>() <= document.at("median_ms").get<double>());
  CHECK(document.at("median_ms").get<double>() <= document.at("p90_ms").get<double>());

  ProcessResult resized =
      cli({"bench", "--model", kClassifier, "--device", "cpu", "--runs", "1", "--size", "48x24", "--json"});
  REQUIRE(resized.exit_code == 0);
  CHECK(json::parse(resized.out).at("size") == json({48, 24}));
}
