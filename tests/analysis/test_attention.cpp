// Attention analysis in the engine: raw maps and rollout against PyTorch (the golden
// fixtures and tools/make_fixtures.py's rollout references), masks, query tokens,
// upsampling, the grid, the .npy format and safe file writing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "vitlens/analysis/grid.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/mask.hpp"
#include "vitlens/analysis/npy.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

using namespace vitlens;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-5;
const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";

struct Fixture {
  std::string model;     // folder under tests/fixtures
  std::string expected;  // expected_<H>x<W>.safetensors under it
};

// Square and non-square inputs, with and without DeiT's distillation token.
const std::vector<Fixture> kFixturesUsed = {{"hf_vit", "expected_32x32"},
                                            {"hf_vit", "expected_40x56"},
                                            {"hf_deit_distilled", "expected_32x32"}};
// Rollout is also checked on a YOLOS model, whose last rows are detection tokens.
const std::vector<Fixture> kRolloutFixtures = {{"hf_vit", "expected_32x32"},
                                               {"hf_vit", "expected_40x56"},
                                               {"hf_deit_distilled", "expected_32x32"},
                                               {"yolos/yolos_mid", "expected_40x56"}};

TensorStore open_fixture(const Fixture& f, const std::string& prefix) {
  std::string name = f.expected;
  name.replace(0, std::string("expected").size(), prefix);
  return TensorStore::open_file((kFixtures / f.model / (name + ".safetensors")).string());
}

// PyTorch's attention [L, H, T, T] at (layer, head, query) over the patch keys.
std::vector<float> reference_patch_row(const Tensor& attention, int layer, int head, int query, const TokenLayout& layout) {
  const int64_t tokens = attention.dim(3);
  const float* row = attention.ptr() + ((layer * attention.dim(1) + head) * tokens + query) * tokens;
  return {row + layout.first_patch(), row + layout.first_patch() + layout.patches()};
}

double max_difference(const cv::Mat& map, const std::vector<float>& expected) {
  REQUIRE(map.total() == expected.size());
  double worst = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(map.ptr<float>()[i]) - expected[i]));
  return worst;
}

// A parsed .npy: the header dictionary and the float data that follows it.
struct Npy {
  std::string magic;
  int major = 0, minor = 0;
  std::string header;
  size_t data_offset = 0;
  std::vector<float> data;
};

Npy parse_npy(const std::string& bytes) {
  Npy npy;
  REQUIRE(bytes.size() >= 10);
  npy.magic = bytes.substr(0, 6);
  npy.major = static_cast<unsigned char>(bytes[6]);
  npy.minor = static_cast<unsigned char>(bytes[7]);
  const size_t length = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  npy.header = bytes.substr(10, length);
  npy.data_offset = 10 + length;
  npy.data.resize((bytes.size() - npy.data_offset) / sizeof(float));
  std::memcpy(npy.data.data(), bytes.data() + npy.data_offset, npy.data.size() * sizeof(float));
  return npy;
}

class TempFolder {
 public:
  explicit TempFolder(const std::string& test) : path_(fs::temp_directory_path() / ("vitlens_attention_" + test)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ForwardOutput full_attention_output(const Tensor& attention) {
  ForwardOutput out;
  out.attention = attention;
  for (int t = 0; t < attention.dim(2); ++t) out.attention_queries.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("raw maps of every layer and head equal the PyTorch attention probabilities over the patch grid",
          "[attention]") {
  for (const Fixture& f : kFixturesUsed) {
    INFO(f.model << "/" << f.expected);
    const TensorStore expected = open_fixture(f, "expected");
    const Tensor pixels = expected.read("pixel_values");
    const Tensor attention = expected.read("attention");
    auto model = std::make_shared<const Model>(load_model((kFixtures / f.model).string()));
    const TokenLayout layout = token_layout(model->config, static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2)));
    CHECK(layout.tokens() == attention.dim(3));

    MapSelection selection;
    selection.queries = {QueryToken::parse("cls"), QueryToken::parse("patch:1,2"),
                         QueryToken::parse("token:" + std::to_string(layout.tokens() - 1))};
    if (layout.has_distillation) selection.queries.push_back(QueryToken::parse("dist"));
    const std::vector<int> tokens = resolve_queries(selection.queries, layout);
    const ForwardOutput output = make_reference_backend(model)->forward(pixels, attention_request(tokens));
    const AttentionMaps maps = raw_attention_maps(output, layout, selection);

    REQUIRE(maps.values.shape == std::vector<int64_t>{model->config.num_layers, model->config.num_heads,
                                                      static_cast<int64_t>(tokens.size()), layout.grid_h, layout.grid_w});
    const Npy npy = parse_npy(npy_bytes(maps.values));
    REQUIRE(npy.data.size() == maps.values.data.size());
    for (int l = 0; l < model->config.num_layers; ++l)
      for (int h = 0; h < model->config.num_heads; ++h)
        for (int q = 0; q < static_cast<int>(tokens.size()); ++q) {
          const std::vector<float> reference = reference_patch_row(attention, l, h, tokens[static_cast<size_t>(q)], layout);
          CHECK(max_difference(maps.map(l, h, q), reference) <= kTolerance);
          const size_t offset = static_cast<size_t>(((l * maps.values.dim(1) + h) * maps.values.dim(2) + q)) * reference.size();
          CHECK(max_difference(cv::Mat(1, static_cast<int>(reference.size()), CV_32F,
                                       const_cast<float*>(npy.data.data() + offset)),
                               reference) <= kTolerance);
        }
  }
}

TEST_CASE("head fusion is the element-wise mean, max or min of the selected heads", "[attention]") {
  const Fixture f = kFixturesUsed[1];
  const Tensor attention = open_fixture(f, "expected").read("attention");
  const TokenLayout layout{1, 5, 7, 0, false};
  MapSelection selection;
  selection.layers = {1};
  selection.heads = {0, 2, 3};
  const AttentionMaps heads = raw_attention_maps(full_attention_output(attention), layout, selection);
  for (HeadFusion fusion : {HeadFusion::Mean, HeadFusion::Max, HeadFusion::Min}) {
    selection.fusion = fusion;
    const AttentionMaps fused = raw_attention_maps(full_attention_output(attention), layout, selection);
    REQUIRE(fused.heads == std::vector<std::string>{to_string(fusion)});
    for (int i = 0; i < layout.patches(); ++i) {
      const float a = heads.map(0, 0, 0).ptr<float>()[i], b = heads.map(0, 1, 0).ptr<float>()[i],
                  c = heads.map(0, 2, 0).ptr<float>()[i];
      const float expected = fusion == HeadFusion::Mean  ? (a + b + c) / 3
                             : fusion == HeadFusion::Max ? std::max({a, b, c})
                                                         : std::min({a, b, c});
      CHECK(fused.map(0, 0, 0).ptr<float>()[i] == Approx(expected).margin(1e-7));
    }
  }
}

TEST_CASE("rollout rows equal the PyTorch rollout and sum to 1, for CLS, detection and every other token",
          "[attention]") {
  struct Variant {
    const char* name;
    HeadFusion fusion;
    double discard;
  };
  const Variant variants[] = {{"rollout_mean", HeadFusion::Mean, 0.0},
                              {"rollout_max_discard50", HeadFusion::Max, 0.5},
                              {"rollout_min_discard25", HeadFusion::Min, 0.25}};
  for (const Fixture& f : kRolloutFixtures) {
    const Tensor attention = open_fixture(f, "expected").read("attention");
    const TensorStore rollout = open_fixture(f, "rollout");
    const int tokens = static_cast<int>(attention.dim(3)), last = static_cast<int>(attention.dim(0)) - 1;
    for (const Variant& v : variants) {
      INFO(f.model << "/" << f.expected << " " << v.name);
      const Tensor reference = rollout.read(v.name);
      for (int q = 0; q < tokens; ++q) {
        INFO("token " << q);
        const std::vector<float> row = rollout_row(attention, q, last, {v.fusion, {}, v.discard});
        double sum = 0, worst = 0;
        for (int k = 0; k < tokens; ++k) {
          sum += row[static_cast<size_t>(k)];
          worst = std::max(worst, std::abs(static_cast<double>(row[static_cast<size_t>(k)]) - reference.data[static_cast<size_t>(q * tokens + k)]));
        }
        CHECK(worst <= kTolerance);
        CHECK(sum == Approx(1.0).margin(1e-5));
      }
    }
  }
}

TEST_CASE("rollout maps show a query's rollout row over the patches, through each selected layer", "[attention]") {
  const Fixture f = kFixturesUsed[2];  // DeiT: patches start after CLS and DIST
  const Tensor attention = open_fixture(f, "expected").read("attention");
  const Tensor reference = open_fixture(f, "rollout").read("rollout_mean");
  const TokenLayout layout{2, 4, 4, 0, true};
  MapSelection selection;
  selection.queries = {QueryToken::parse("cls"), QueryToken::parse("dist")};
  const AttentionMaps maps = attention_rollout(full_attention_output(attention), layout, selection, 0.0);
  REQUIRE(maps.values.shape == std::vector<int64_t>{2, 1, 2, 4, 4});
  for (int q = 0; q < 2; ++q) {
    const float* row = reference.ptr() + q * layout.tokens() + layout.first_patch();
    CHECK(max_difference(maps.map(1, 0, q), std::vector<float>(row, row + layout.patches())) <= kTolerance);
    const std::vector<float> first_layer = rollout_row(attention, q, 0, {});
    CHECK(max_difference(maps.map(0, 0, q), {first_layer.begin() + 2, first_layer.end()}) <= 1e-7);
  }
}

TEST_CASE("rollout discards the lowest weights but never the CLS-to-CLS one", "[attention]") {
  // One layer, one head, three tokens; the CLS->CLS weight is the smallest.
  const Tensor attention({1, 1, 3, 3}, {0.01f, 0.5f, 0.49f,  //
                                        0.2f, 0.7f, 0.1f,    //
                                        0.3f, 0.3f, 0.4f});
  // int(9 * 0.34) = 3 lowest: 0.01 (kept: CLS->CLS), 0.1 and 0.2 are zeroed. Row 0 stays
  // 0.5 * [0.01, 0.5, 0.49] + 0.5 * [1, 0, 0], which already sums to 1; had the 0.01 been
  // dropped, its first entry would be 0.5 / 0.995.
  const std::vector<float> cls = rollout_row(attention, 0, 0, {HeadFusion::Mean, {}, 0.34});
  CHECK(cls[0] == Approx(0.505));
  CHECK(cls[1] == Approx(0.25));
  const std::vector<float> second = rollout_row(attention, 1, 0, {HeadFusion::Mean, {}, 0.34});
  CHECK(second[0] == Approx(0.0).margin(1e-7));
  CHECK(second[1] == Approx(0.85 / 0.85));
  CHECK_THROWS_WITH(rollout_row(attention, 0, 0, {HeadFusion::Mean, {}, 1.0}), Catch::Contains("not in [0, 1)"));
  CHECK_THROWS_WITH(rollout_row(Tensor({1, 1, 1, 3}), 0, 0, {}), Catch::Contains("needs the full attention"));
}

TEST_CASE("a mass mask keeps the largest patches until they hold the requested fraction", "[attention]") {
  const cv::Mat map = (cv::Mat_<float>(1, 4) << 0.1f, 0.4f, 0.2f, 0.3f);
  auto kept = [&](double mass) {
    const cv::Mat mask = mass_mask(map, mass);
    return std::vector<float>(mask.ptr<float>(), mask.ptr<float>() + 4);
  };
  CHECK(kept(0.35) == std::vector<float>{0, 1, 0, 0});
  CHECK(kept(0.6) == std::vector<float>{0, 1, 0, 1});
  CHECK(kept(0.75) == std::vector<float>{0, 1, 1, 1});
  CHECK(kept(1.0) == std::vector<float>{1, 1, 1, 1});
  CHECK_THROWS_WITH(mass_mask(map, 0.0), Catch::Contains("not in (0, 1]"));
}

TEST_CASE("query tokens resolve against the token layout, with clear errors for tokens that do not exist",
          "[attention]") {
  const TokenLayout vit{1, 4, 6, 0, false};
  const TokenLayout deit{2, 4, 6, 0, true};
  const TokenLayout yolos{1, 4, 6, 100, false};
  CHECK(QueryToken::parse("cls").resolve(vit) == 0);
  CHECK(QueryToken::parse("dist").resolve(deit) == 1);
  CHECK(QueryToken::parse("patch:2,5").resolve(deit) == 2 + 2 * 6 + 5);
  CHECK(QueryToken::parse("det:3").resolve(yolos) == 1 + 24 + 3);
  CHECK(QueryToken::parse("token:24").resolve(vit) == 24);
  CHECK(QueryToken::parse("patch:2,5").file_tag() == "patch2-5");
  CHECK_THROWS_WITH(QueryToken::parse("dist").resolve(vit), Catch::Contains("no distillation token"));
  CHECK_THROWS_WITH(QueryToken::parse("det:0").resolve(vit), Catch::Contains("model has no detection tokens"));
  CHECK_THROWS_WITH(QueryToken::parse("det:100").resolve(yolos), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(QueryToken::parse("patch:4,0").resolve(vit), Catch::Contains("outside the 4x6 patch grid"));
  CHECK_THROWS_WITH(QueryToken::parse("token:25").resolve(vit), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(QueryToken::parse("patch:3"), Catch::Contains("patch:ROW,COLUMN"));
  CHECK_THROWS_WITH(QueryToken::parse("head"), Catch::Contains("unknown query token"));
  CHECK_THROWS_WITH(resolve({{0, 2}, {}, {}, {}}, 2, 4), Catch::Contains("layer 2 is out of range: the model has 2 layers (0-1)"));
  CHECK_THROWS_WITH(resolve({{}, {4}, {}, {}}, 2, 4), Catch::Contains("head 4 is out of range"));
}

TEST_CASE("the .npy file has a version 1.0 header, little-endian float32 and the maps' shape", "[attention]") {
  Tensor maps({2, 3, 1, 4, 5});
  for (size_t i = 0; i < maps.data.size(); ++i) maps.data[i] = static_cast<float>(i) * 0.25f;
  const std::string bytes = npy_bytes(maps);
  const Npy npy = parse_npy(bytes);
  CHECK(npy.magic == "\x93NUMPY");
  CHECK(npy.major == 1);
  CHECK(npy.minor == 0);
  CHECK(npy.data_offset % 64 == 0);
  CHECK(npy.header.back() == '\n');
  CHECK(npy.header.find("'descr': '<f4'") != std::string::npos);
  CHECK(npy.header.find("'fortran_order': False") != std::string::npos);
  CHECK(npy.header.find("'shape': (2, 3, 1, 4, 5)") != std::string::npos);
  CHECK(npy.data == maps.data);

  TempFolder folder("npy");
  const std::string path = (folder / "maps.npy").string();
  write_file_safely(path, bytes, false);
  const std::string python = "/usr/bin/python3";
  const std::string script =
      "import sys, numpy as np\n"
      "a = np.load(sys.argv[1])\n"
      "assert a.dtype == np.float32 and a.shape == (2, 3, 1, 4, 5), (a.dtype, a.shape)\n"
      "assert np.array_equal(a.ravel(), np.arange(a.size, dtype=np.float32) * 0.25)\n"
      "print('ok')\n";
  const test::ProcessResult numpy = test::run_process({python, "-c", "import numpy"});
  if (!fs::exists(python) || numpy.exit_code != 0) {
    WARN("numpy is not available to " << python << ": numpy.load was not tried");
    return;
  }
  const test::ProcessResult loaded = test::run_process({python, "-c", script, path});
  INFO(loaded.err);
  CHECK(loaded.exit_code == 0);
  CHECK(loaded.out == "ok\n");
}

TEST_CASE("maps reach the original image size: squashed back, or over the crop region only", "[attention]") {
  cv::Mat map(2, 4, CV_32F);
  for (int i = 0; i < 8; ++i) map.ptr<float>()[i] = static_cast<float>(i + 1);

  PreprocessConfig squash;  // Exact 224x224, so any image is squashed
  const cv::Mat up = upsample_to_image(map, {100, 60}, squash, Upsampling::Nearest, {100, 60});
  CHECK(up.size() == cv::Size(100, 60));
  CHECK(up.at<float>(0, 0) == 1);
  CHECK(up.at<float>(59, 99) == 8);
  CHECK(up.at<float>(10, 30) == 2);  // column 30 of 100 is in patch column 1
  CHECK(up.at<float>(40, 80) == 8);
  const cv::Mat smooth = upsample_to_image(map, {100, 60}, squash, Upsampling::Bilinear, {100, 60});
  CHECK(smooth.at<float>(14, 12) == Approx(1.0).margin(1e-5));  // a patch centre keeps its value
  CHECK(smooth.at<float>(15, 25) > 1.0f);
  CHECK(smooth.at<float>(15, 25) < 2.0f);

  // 64x48 image, shortest edge 32 -> 42x32, crop 32x32 from x = 5: the map covers original
  // columns 5 * 64/42 = 7.6 to 37 * 64/42 = 56.4; the cut-off margins are 0.
  PreprocessConfig crop;
  crop.resize_mode = PreprocessConfig::ResizeMode::ShortestEdge;
  crop.shortest_edge = 32;
  crop.do_center_crop = true;
  crop.crop_width = crop.crop_height = 32;
  const cv::Mat square = cv::Mat::ones(2, 2, CV_32F);
  const cv::Mat covered = upsample_to_image(square, {64, 48}, crop, Upsampling::Nearest, {64, 48});
  CHECK(covered.size() == cv::Size(64, 48));
  CHECK(covered.at<float>(24, 3) == 0);
  CHECK(covered.at<float>(24, 10) == 1);
  CHECK(covered.at<float>(24, 54) == 1);
  CHECK(covered.at<float>(24, 60) == 0);
  CHECK(covered.at<float>(0, 32) == 1);
  CHECK(covered.at<float>(47, 32) == 1);
}

TEST_CASE("the grid draws a cell per layer and head, in order, with the fused column after the heads", "[attention]") {
  AttentionMaps maps;
  maps.method = "raw";
  maps.layers = {0, 3};
  maps.heads = {"0", "1", "2"};
  maps.queries = {QueryToken{}};
  maps.query_tokens = {0};
  maps.grid_h = 3;
  maps.grid_w = 5;
  maps.allocate();
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 3; ++h) maps.map(l, h, 0).setTo((l * 3 + h) / 6.0);
  const AttentionMaps fused = fuse_heads(maps, HeadFusion::Max);

  const cv::Mat image(45, 75, CV_8UC3, cv::Scalar(0, 0, 0));  // non-square
  PreprocessConfig preprocess;
  GridStyle style;
  style.colormap = Colormap::Gray;
  style.shared_range = true;
  style.opacity = 1.0;
  style.blend = Blend::Uniform;  // each cell shows its colour unblended, to read the value back
  style.cell_size = 50;
  const AttentionGrid grid = attention_grid({maps, fused}, 0, image, preprocess, style);
  REQUIRE(grid.cells.size() == 2);
  for (int l = 0; l < 2; ++l) {
    REQUIRE(grid.cells[static_cast<size_t>(l)].size() == 4);
    for (int c = 0; c < 4; ++c) {
      const cv::Rect cell = grid.cells[static_cast<size_t>(l)][static_cast<size_t>(c)];
      CHECK(cell.size() == cv::Size(50, 30));
      if (c > 0) CHECK(cell.x > grid.cells[static_cast<size_t>(l)][static_cast<size_t>(c - 1)].x);
      if (l > 0) CHECK(cell.y > grid.cells[0][static_cast<size_t>(c)].y);
      const double value = c < 3 ? (l * 3 + c) / 6.0 : (l * 3 + 2) / 6.0;  // max over heads
      const double range_high = 5 / 6.0;
      const cv::Vec3b centre = grid.image.at<cv::Vec3b>(cell.y + cell.height / 2, cell.x + cell.width / 2);
      CHECK(centre[0] == Approx(255 * value / range_high).margin(1.0));
    }
  }
  CHECK_THROWS_WITH(attention_grid({maps, AttentionMaps{}}, 0, image, preprocess, style), Catch::Contains("different layers"));
}

TEST_CASE("safe writing never replaces an existing file without overwrite and leaves no temporary files",
          "[attention]") {
  TempFolder folder("safe_file");
  const std::string path = (folder / "out.npy").string();
  write_file_safely(path, "first", false);
  CHECK(slurp(path) == "first");
  CHECK_THROWS_WITH(write_file_safely(path, "second", false), Catch::Contains("already exists"));
  CHECK(slurp(path) == "first");
  write_file_safely(path, "third", true);
  CHECK(slurp(path) == "third");
  CHECK_THROWS_AS(write_file_safely((folder / "missing" / "x.png").string(), "x", false), Error);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(folder.path())) {
    CHECK(entry.path().filename() == "out.npy");
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("a captioned row places each picture whole under its caption, side by side", "[grid]") {
  const cv::Mat left(30, 40, CV_8UC3, cv::Scalar(200, 10, 10)), right(20, 50, CV_8UC3, cv::Scalar(10, 10, 200));
  const CaptionedRow row = captioned_row({left, right}, {"raw", "relevance"});
  REQUIRE(row.cells.size() == 2);
  CHECK(row.cells[0].x + row.cells[0].width < row.cells[1].x);  // side by side, apart
  CHECK(row.image.cols > left.cols + right.cols);
  CHECK(row.image.rows > left.rows);  // the captions sit above
  CHECK(cv::norm(row.image(row.cells[0]), left, cv::NORM_INF) == 0);
  CHECK(cv::norm(row.image(row.cells[1]), right, cv::NORM_INF) == 0);
  // A caption wider than its picture wraps onto more lines, pushing the pictures down.
  const CaptionedRow wrapped = captioned_row({left, right}, {"layer 5, mean, relevance of the top class, query cls", "raw"});
  CHECK(wrapped.cells[0].y > row.cells[0].y);
  CHECK(wrapped.image.cols == row.image.cols);
  CHECK(cv::norm(wrapped.image(wrapped.cells[0]), left, cv::NORM_INF) == 0);
  CHECK_THROWS_WITH(captioned_row({left}, {"a", "b"}), Catch::Contains("2 captions for 1 pictures"));
  CHECK_THROWS_WITH(captioned_row({}, {}), Catch::Contains("no pictures"));
}
