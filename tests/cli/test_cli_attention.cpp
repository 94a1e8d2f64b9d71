// `vitlens-cli attention`, run as a subprocess on the fixture models and real test images.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/npy_file.hpp"
#include "support/process.hpp"
#include "support/safetensors_writer.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/model/model.hpp"

namespace fs = std::filesystem;
using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
const std::string kVit = (kFixtures / "hf_vit").string();              // squashes to 32x32: 4x4 patches
const std::string kDeit = (kFixtures / "hf_deit_distilled").string();  // resize 36, crop 32, CLS + DIST
const std::string kFruits = (kFixtures / "images" / "fruits.jpg").string();  // 160x120
const std::string kPhoto = (kFixtures / "images" / "photo.webp").string();   // 96x72

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), {kCli, "attention"});
  return vitlens::test::run_process(args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class OutFolder {
 public:
  explicit OutFolder(const std::string& test) : path_(fs::temp_directory_path() / ("vitlens_attention_cli_" + test)) {
    fs::remove_all(path_);
  }
  ~OutFolder() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

cv::Size png_size(const fs::path& path) {
  const cv::Mat image = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  return image.size();
}

}  // namespace

TEST_CASE("attention --format npy writes the engine's raw maps and a sidecar describing every axis", "[attention]") {
  OutFolder out("npy");
  const ProcessResult run = cli({"--model", kDeit, "--device", "cpu", "--query", "dist", "--format", "npy", "--out",
                                 out.str(), kFruits});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  auto model = std::make_shared<const vitlens::Model>(vitlens::load_model(kDeit));
  const vitlens::Tensor pixels = vitlens::preprocess(vitlens::load_image_rgb(kFruits), model->preprocess);
  const vitlens::TokenLayout layout = vitlens::token_layout(model->config, 32, 32);
  vitlens::Session session(model, vitlens::choose_device("cpu"));
  vitlens::MapSelection selection;
  selection.queries = {vitlens::QueryToken::parse("dist")};
  const vitlens::AttentionMaps expected =
      vitlens::raw_attention_maps(session.run(pixels, vitlens::AttentionRequest::selected({1})), layout, selection);
  const std::vector<float> written = vitlens::test::read_npy_floats(out / "fruits_raw_dist.npy");
  REQUIRE(written.size() == expected.values.data.size());
  for (size_t i = 0; i < written.size(); ++i) CHECK(written[i] == Approx(expected.values.data[i]).margin(1e-6));

  const auto sidecar = nlohmann::json::parse(slurp(out / "fruits_raw_dist.json"));
  CHECK(sidecar["shape"] == nlohmann::json({2, 3, 1, 4, 4}));
  CHECK(sidecar["dtype"] == "float32");
  CHECK(sidecar["method"] == "raw");
  CHECK(sidecar["layers"] == nlohmann::json({0, 1}));
  CHECK(sidecar["heads"] == nlohmann::json({"0", "1", "2"}));
  CHECK(sidecar["queries"][0]["name"] == "dist");
  CHECK(sidecar["queries"][0]["token"] == 1);
  CHECK(sidecar["grid"] == nlohmann::json({{"height", 4}, {"width", 4}}));
  CHECK(sidecar["image_size"] == nlohmann::json({{"width", 160}, {"height", 120}}));
  CHECK(sidecar["model"] == kDeit);
  CHECK(sidecar["image"] == kFruits);
}

TEST_CASE("overlay and heatmap PNGs have the original image's size, for non-square images and crops",
          "[attention]") {
  for (const std::string& model : {kVit, kDeit}) {
    OutFolder out("png");
    const ProcessResult run = cli({"--model", model, "--device", "cpu", "--layers", "1", "--heads", "0,mean", "--out",
                                   out.str(), kFruits, kPhoto});
    INFO(model << "\n" << run.err);
    CHECK(run.exit_code == 2);  // "0,mean" is not a head list
    const ProcessResult ok = cli({"--model", model, "--device", "cpu", "--layers", "1", "--heads", "mean", "--format",
                                  "overlay,heatmap,grid", "--colormap", "inferno", "--opacity", "0.7", "--out", out.str(),
                                  kFruits, kPhoto});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    CHECK(png_size(out / "fruits_raw_cls_L1_mean_overlay.png") == cv::Size(160, 120));
    CHECK(png_size(out / "fruits_raw_cls_L1_mean_heatmap.png") == cv::Size(160, 120));
    CHECK(png_size(out / "photo_raw_cls_L1_mean_overlay.png") == cv::Size(96, 72));
    CHECK(png_size(out / "photo_raw_cls_L1_mean_heatmap.png") == cv::Size(96, 72));
    CHECK(fs::exists(out / "fruits_raw_cls_grid.png"));
    CHECK(contains(ok.out, "2 of 2 images done"));
  }
}

TEST_CASE("rollout and mask runs write one map per layer and query, named predictably", "[attention]") {
  OutFolder out("methods");
  ProcessResult rollout = cli({"--model", kDeit, "--device", "cpu", "--method", "rollout", "--discard", "0.2", "--query",
                               "patch:1,2", "--format", "overlay,npy,grid", "--out", out.str(), kFruits});
  INFO(rollout.err);
  REQUIRE(rollout.exit_code == 0);
  for (const char* name : {"fruits_rollout_patch1-2.npy", "fruits_rollout_patch1-2.json", "fruits_rollout_patch1-2_grid.png",
                           "fruits_rollout_patch1-2_L0_mean_overlay.png", "fruits_rollout_patch1-2_L1_mean_overlay.png"})
    CHECK(fs::exists(out / name));
  const auto sidecar = nlohmann::json::parse(slurp(out / "fruits_rollout_patch1-2.json"));
  CHECK(sidecar["shape"] == nlohmann::json({2, 1, 1, 4, 4}));
  CHECK(sidecar["discard"] == 0.2);

  ProcessResult mask = cli({"--model", kVit, "--device", "cpu", "--method", "mask", "--mass", "0.5", "--layers", "1",
                            "--format", "npy", "--out", out.str(), kFruits});
  INFO(mask.err);
  REQUIRE(mask.exit_code == 0);
  for (float v : vitlens::test::read_npy_floats(out / "fruits_mask_cls.npy")) CHECK((v == 0.0f || v == 1.0f));
}

TEST_CASE("bad attention arguments exit with status 2 and say what is wrong", "[attention]") {
  OutFolder out("usage");
  struct Mistake {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Mistake> mistakes = {
      {{"--layers", "2"}, "layer 2 is out of range: the model has 2 layers (0-1)"},
      {{"--heads", "7"}, "head 7 is out of range"},
      {{"--colormap", "rainbow"}, "unknown colormap 'rainbow'"},
      {{"--query", "patch:4,0"}, "outside the 4x4 patch grid"},
      {{"--query", "dist"}, "no distillation token"},
      {{"--query", "det:0"}, "model has no detection tokens"},
      {{"--query", "eyes"}, "unknown query token"},
      {{"--method", "lrp"}, "not one of raw, rollout, mask, relevance, gradcam"},
      {{"--discard", "0.5"}, "--discard applies to --method rollout only"},
      {{"--method", "rollout", "--discard", "1"}, "--discard: 1 is not in [0, 1)"},
      {{"--opacity", "2"}, "--opacity: 2 is not in [0, 1]"},
      {{"--format", "gif"}, "'gif' is not one of overlay, heatmap, grid, npy"},
  };
  for (const Mistake& m : mistakes) {
    std::vector<std::string> args = {"--model", kVit, "--device", "cpu", "--out", out.str()};
    args.insert(args.end(), m.args.begin(), m.args.end());
    args.push_back(kFruits);
    const ProcessResult run = cli(args);
    INFO(m.args[0] << " " << m.args.back() << "\n" << run.err);
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err, m.message));
    CHECK(contains(run.err, "usage: vitlens-cli attention"));
  }
  CHECK(cli({"--model", kVit, kFruits}).exit_code == 2);  // no --out
  CHECK_FALSE(fs::exists(out / "fruits_raw_cls.npy"));
}

TEST_CASE("existing outputs are kept unless --overwrite, and a bad image does not stop the others", "[attention]") {
  OutFolder out("batch");
  const std::string bad = (fs::temp_directory_path() / "vitlens_attention_cli_not_an_image.png").string();
  std::ofstream(bad) << "not an image";
  const std::vector<std::string> base = {"--model", kVit, "--device", "cpu", "--format", "npy", "--out", out.str()};

  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  };
  const ProcessResult first = run({bad, kFruits});
  INFO(first.err);
  CHECK(first.exit_code == 1);
  CHECK(contains(first.err, bad));
  CHECK(contains(first.out, "1 of 2 images done"));
  REQUIRE(fs::exists(out / "fruits_raw_cls.npy"));
  fs::remove(bad);

  std::ofstream(out / "fruits_raw_cls.npy", std::ios::binary | std::ios::trunc) << "kept";
  const ProcessResult again = run({kFruits});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "already exists; pass --overwrite"));
  CHECK(slurp(out / "fruits_raw_cls.npy") == "kept");

  const ProcessResult replaced = run({"--overwrite", kFruits});
  CHECK(replaced.exit_code == 0);
  CHECK(slurp(out / "fruits_raw_cls.npy") != "kept");
  for (const auto& entry : fs::directory_iterator(out.str()))
    CHECK_FALSE(contains(entry.path().filename().string(), ".tmp"));
}

TEST_CASE("a folder argument takes every image inside it, and shared stems keep their extension", "[attention]") {
  OutFolder out("folder");
  const fs::path folder = fs::temp_directory_path() / "vitlens_attention_cli_images";
  fs::remove_all(folder);
  fs::create_directories(folder);
  for (const char* name : {"photo.bmp", "photo.tiff", "fruits.jpg"})
    fs::copy_file(kFixtures / "images" / name, folder / name);
  std::ofstream(folder / "notes.txt") << "not an image, not taken";
  const ProcessResult run = cli({"--model", kVit, "--device", "cpu", "--format", "npy", "--out", out.str(), folder.string()});
  fs::remove_all(folder);
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "3 of 3 images done"));
  CHECK(fs::exists(out / "photo.bmp_raw_cls.npy"));
  CHECK(fs::exists(out / "photo.tiff_raw_cls.npy"));
  CHECK(fs::exists(out / "fruits_raw_cls.npy"));
}

TEST_CASE("attention in batches writes the maps each image gets alone, across sizes and queries", "[attention][batch]") {
  // --size native gives these images three grids; patch queries resolve per grid, so each
  // batch holds images of one size and one request, and a bad image fails alone.
  const std::vector<std::string> images = {kFruits, (kFixtures / "images" / "baboon.png").string(), kPhoto,
                                           (kFixtures / "images" / "photo.bmp").string()};
  auto run = [&](const std::string& batch, const OutFolder& out) {
    std::vector<std::string> args = {"--model", kVit,   "--device", "cpu", "--size", "native", "--query", "patch:1,2",
                                     "--format", "npy", "--batch",  batch, "--out",  out.str()};
    args.insert(args.end(), images.begin(), images.end());
    const ProcessResult result = cli(args);
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, "4 of 4 images done in"));
    CHECK(contains(result.out, "images/s)"));
  };
  OutFolder alone("batch_alone"), batched("batch_auto");
  run("1", alone);
  run("auto", batched);
  size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(alone.str())) {
    const std::string name = entry.path().filename().string();
    REQUIRE(fs::exists(batched / name));
    if (entry.path().extension() != ".npy") {
      CHECK(slurp(entry.path()) == slurp(batched / name));
      continue;
    }
    const std::vector<float> a = vitlens::test::read_npy_floats(entry.path()), b = vitlens::test::read_npy_floats(batched / name);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(b[i] == Approx(a[i]).margin(1e-6));
    ++compared;
  }
  CHECK(compared == images.size());
}

TEST_CASE("attention --help documents the output file names", "[attention]") {
  const ProcessResult help = cli({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "STEM_METHOD_QUERY.npy"));
  CHECK(contains(help.out, "_overlay.png"));
  CHECK(contains(help.out, "--overwrite"));
}

TEST_CASE("rollout of a model whose every attention row exceeds a device binding succeeds and equals the CPU's",
          "[attention]") {
  // 12 layers x 12 heads x 530^2 rows of 4 bytes: 162 MB, over lavapipe's 128 MiB range.
  vitlens::test::TinyVit v;
  v.width = 48;
  v.layers = 12;
  v.heads = 12;
  v.mlp = 48;
  v.image = 92;  // 23 x 23 patches + CLS = 530 tokens
  vitlens::test::TempDir model("rollout-over-binding");
  vitlens::test::write_hf_folder(model.path(), vitlens::test::hf_config(v, "ViTForImageClassification"),
                                 vitlens::test::hf_tensors(v, "vit.", false, {"classifier"}));
  OutFolder out("rollout_over_binding");
  std::vector<std::vector<float>> maps;
  for (const char* device : {"auto", "cpu"}) {
    const fs::path folder = out / device;
    ProcessResult run = cli({"--model", model.path().string(), "--device", device, "--method", "rollout", "--format",
                             "npy", "--out", folder.string(), kPhoto});
    INFO(device << ": " << run.err);
    REQUIRE(run.exit_code == 0);
    const auto sidecar = nlohmann::json::parse(slurp(folder / "photo_rollout_cls.json"));
    CHECK(sidecar["shape"] == nlohmann::json({12, 1, 1, 23, 23}));
    maps.push_back(vitlens::test::read_npy_floats(folder / "photo_rollout_cls.npy"));
  }
  REQUIRE(maps[0].size() == maps[1].size());
  float worst = 0;
  for (size_t i = 0; i < maps[0].size(); ++i) worst = std::max(worst, std::abs(maps[0][i] - maps[1][i]));
  CHECK(worst <= 1e-5f);
}
