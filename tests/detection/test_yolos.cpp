// YOLOS object detection: loading Hugging Face YolosForObjectDetection folders, the forward
// pass against the independent PyTorch reference (tools/make_yolos_fixtures.py) on the CPU
// reference, the CPU backend and both Vulkan kernel families, YolosImageProcessor's sizes, and the
// post-processing of transformers' post_process_object_detection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/image_fixtures.hpp"
#include "support/random_model.hpp"
#include "support/vulkan_device.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"
#include "support/tensor_compare.hpp"

namespace fs = std::filesystem;
using vitlens::AttentionRequest;
using vitlens::ForwardOutput;
using vitlens::Tensor;
using vitlens::test::first_vulkan_device;

using vitlens::test::max_abs_diff;

namespace {

// Against PyTorch float32, as the issue asks; hidden state and attention as test_golden.cpp.
constexpr double kLogitTolerance = 1e-4;
constexpr double kBoxTolerance = 1e-5;
constexpr double kHiddenTolerance = 1e-4;
constexpr double kAttentionTolerance = 1e-5;

fs::path yolos_fixtures() { return fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "yolos"; }

const nlohmann::json& manifest() {
  static const nlohmann::json parsed = [] {
    std::ifstream in(yolos_fixtures() / "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return parsed;
}

struct YolosCase {
  std::string name;
  fs::path model;
  Tensor pixels, hidden_state, attention, logits, boxes;
};

YolosCase read_case(const nlohmann::json& entry) {
  YolosCase c;
  c.name = entry.at("name").get<std::string>();
  c.model = yolos_fixtures() / entry.at("model").get<std::string>();
  const auto expected = vitlens::TensorStore::open_file((yolos_fixtures() / entry.at("expected").get<std::string>()).string());
  c.pixels = expected.read("pixel_values");
  c.hidden_state = expected.read("hidden_state");
  c.attention = expected.read("attention");
  c.logits = expected.read("detection_logits");
  c.boxes = expected.read("detection_boxes");
  return c;
}

std::vector<YolosCase> golden_cases() {
  std::vector<YolosCase> cases;
  for (const auto& entry : manifest().at("cases")) cases.push_back(read_case(entry));
  REQUIRE(cases.size() >= 3);
  return cases;
}

void check_close(const char* what, const Tensor& actual, const Tensor& expected, double tolerance) {
  const double error = max_abs_diff(actual, expected);
  INFO(what << ": got " << vitlens::shape_string(actual.shape) << ", expected " << vitlens::shape_string(expected.shape)
            << ", max abs error " << error);
  CHECK(error <= tolerance);
}

// The attention rows of `queries` from a full [L, H, T, T] tensor.
Tensor attention_rows(const Tensor& full, const std::vector<int>& queries) {
  const int64_t maps = full.dim(0) * full.dim(1), tokens = full.dim(2);
  Tensor rows({full.dim(0), full.dim(1), static_cast<int64_t>(queries.size()), tokens});
  float* out = rows.ptr();
  for (int64_t map = 0; map < maps; ++map)
    for (int q : queries) out = std::copy_n(full.ptr() + (map * tokens + q) * tokens, tokens, out);
  return rows;
}

std::shared_ptr<const vitlens::Model> load(const fs::path& folder) {
  return std::make_shared<const vitlens::Model>(vitlens::load_model(folder.string()));
}

void check_against_golden(vitlens::ForwardBackend& backend, const YolosCase& golden) {
  INFO(golden.name << " on " << backend.device_name());
  const ForwardOutput all = backend.forward(golden.pixels, AttentionRequest::all());
  check_close("detection logits", all.detection_logits, golden.logits, kLogitTolerance);
  check_close("detection boxes", all.detection_boxes, golden.boxes, kBoxTolerance);
  check_close("hidden state", all.hidden_state, golden.hidden_state, kHiddenTolerance);
  check_close("attention", all.attention, golden.attention, kAttentionTolerance);
  CHECK(all.logits.empty());

  // The attention of the first and last detection tokens, as a user asks for it.
  const int tokens = static_cast<int>(golden.attention.dim(2));
  const int detections = static_cast<int>(golden.logits.dim(0));
  const std::vector<int> queries{tokens - detections, tokens - 1};
  const ForwardOutput selected = backend.forward(golden.pixels, AttentionRequest::selected(queries));
  CHECK(selected.attention_queries == queries);
  check_close("detection-token attention rows", selected.attention, attention_rows(golden.attention, queries), kAttentionTolerance);
  check_close("detection logits with selected rows", selected.detection_logits, golden.logits, kLogitTolerance);
}

void check_vulkan_family(vitlens::KernelFamily family) {
  const auto device = first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: the Vulkan YOLOS golden test is skipped");
    return;
  }
  for (const auto& golden : golden_cases()) {
    DYNAMIC_SECTION(golden.name) {
      const auto backend = vitlens::make_backend(load(golden.model), *device, {family});
      check_against_golden(*backend, golden);
    }
  }
}

// A seeded random YOLOS in memory: a random ViT plus detection tokens, a non-square training
// grid, optional mid-position embeddings and the two MLP heads.
struct RandomYolosSpec {
  int hidden = 192, layers = 12, heads = 3, mlp = 768, patch = 16;
  int train_height = 800, train_width = 1333;
  int detections = 100, classes = 91;
  bool mid = true;
};

std::shared_ptr<vitlens::Model> random_yolos(const RandomYolosSpec& s) {
  vitlens::test::RandomVitSpec vit;
  vit.hidden = s.hidden;
  vit.layers = s.layers;
  vit.heads = s.heads;
  vit.mlp = s.mlp;
  vit.patch = s.patch;
  vit.image = s.patch;
  vit.classes = 0;
  auto model = vitlens::test::random_vit(vit);
  std::mt19937 rng(5);
  auto& c = model->config;
  c.architecture = "random YOLOS";
  c.image_height = s.train_height;
  c.image_width = s.train_width;
  c.num_detection_tokens = s.detections;
  c.num_classes = s.classes;
  model->labels = vitlens::coco91_labels();
  model->labels.resize(static_cast<size_t>(s.classes), "extra");
  const int64_t positions = 1 + int64_t{c.grid_height()} * c.grid_width() + s.detections;
  auto& w = model->weights;
  w.pos_embed = vitlens::test::random_tensor({positions, s.hidden}, rng, 0.2f);
  w.suffix_tokens = vitlens::test::random_tensor({s.detections, s.hidden}, rng, 0.2f);
  for (int l = 0; s.mid && l + 1 < s.layers; ++l) w.mid_pos_embed.push_back(vitlens::test::random_tensor({positions, s.hidden}, rng, 0.2f));
  const auto linear = [&](int out, int in) {
    return vitlens::Linear{vitlens::test::random_tensor({out, in}, rng, 1.0f / std::sqrt(static_cast<float>(in))),
                           vitlens::test::random_tensor({out}, rng, 0.02f)};
  };
  vitlens::DetectionHeadWeights heads;
  heads.class_mlp = {linear(s.hidden, s.hidden), linear(s.hidden, s.hidden), linear(s.classes + 1, s.hidden)};
  heads.box_mlp = {linear(s.hidden, s.hidden), linear(s.hidden, s.hidden), linear(4, s.hidden)};
  w.detection = heads;
  return model;
}

// A copy of a fixture folder with some files replaced, for malformed-checkpoint tests.
void copy_folder(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) fs::copy_file(entry.path(), to / entry.path().filename());
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const vitlens::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("YOLOS checkpoints load with their detection tokens, mid-position embeddings and labels", "[yolos]") {
  const auto mid = load(yolos_fixtures() / "yolos_mid");
  CHECK(mid->config.architecture == "YolosForObjectDetection");
  CHECK(mid->config.num_detection_tokens == 10);
  CHECK(mid->config.num_classes == 5);
  CHECK(mid->has_detector());
  CHECK_FALSE(mid->has_classifier());
  CHECK(mid->weights.mid_pos_embed.size() == 2);  // 3 layers: after layers 0 and 1
  CHECK(mid->labels == std::vector<std::string>{"N/A", "cat", "dog", "N/A", "remote"});
  CHECK(mid->preprocess.resize_mode == vitlens::PreprocessConfig::ResizeMode::ShortestEdgeCapped);
  CHECK(mid->preprocess.shortest_edge == 32);
  CHECK(mid->preprocess.longest_edge == 1333);

  const auto coco = load(yolos_fixtures() / "yolos_coco");
  CHECK(coco->weights.mid_pos_embed.empty());
  CHECK(coco->config.grid_height() == 3);  // training size 56x88 floors to a 3x5 grid
  CHECK(coco->config.grid_width() == 5);
  CHECK(coco->config.num_classes == 91);
  CHECK(coco->labels == vitlens::coco91_labels());  // no id2label: the COCO fallback
}

TEST_CASE("the COCO label fallback has 91 ids with N/A holes and matches resources/labels/coco91.txt", "[yolos]") {
  const auto& labels = vitlens::coco91_labels();
  REQUIRE(labels.size() == 91);
  CHECK(labels[1] == "person");
  CHECK(labels[17] == "cat");
  CHECK(labels[90] == "toothbrush");
  CHECK(std::count(labels.begin(), labels.end(), "N/A") == 11);
  std::ifstream file(fs::path(VITLENS_SOURCE_DIR) / "resources" / "labels" / "coco91.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  CHECK(lines == labels);
}

TEST_CASE("the CPU reference reproduces PyTorch's YOLOS logits, boxes and attention", "[yolos]") {
  for (const auto& golden : golden_cases()) {
    DYNAMIC_SECTION(golden.name) {
      const auto backend = vitlens::make_reference_backend(load(golden.model));
      check_against_golden(*backend, golden);
    }
  }
}

TEST_CASE("the CPU backend reproduces PyTorch's YOLOS logits, boxes and attention", "[yolos][cpu]") {
  for (const auto& golden : golden_cases()) {
    DYNAMIC_SECTION(golden.name) {
      const auto backend = vitlens::make_cpu_backend(load(golden.model));
      check_against_golden(*backend, golden);
    }
  }
}

TEST_CASE("the CPU backend matches the CPU reference on a yolos-tiny-sized model at 512x688", "[yolos][cpu]") {
  const auto model = random_yolos({});
  const Tensor pixels = vitlens::test::random_pixels(512, 688);
  const int first_detection = 1 + 32 * 43;
  const AttentionRequest request = AttentionRequest::selected({first_detection, first_detection + 99});
  const ForwardOutput expected = vitlens::make_reference_backend(model)->forward(pixels, request);
  const ForwardOutput actual = vitlens::make_cpu_backend(model)->forward(pixels, request);
  check_close("detection logits", actual.detection_logits, expected.detection_logits, 1e-3);
  check_close("detection boxes", actual.detection_boxes, expected.detection_boxes, 1e-4);
  check_close("detection-token attention", actual.attention, expected.attention, 1e-4);
}

TEST_CASE("the Vulkan texel kernels reproduce PyTorch's YOLOS outputs", "[yolos][vulkan]") {
  check_vulkan_family(vitlens::KernelFamily::Texel);
}

TEST_CASE("the Vulkan tiled kernels reproduce PyTorch's YOLOS outputs", "[yolos][vulkan]") {
  check_vulkan_family(vitlens::KernelFamily::Tiled);
}

TEST_CASE("Vulkan matches the CPU reference on a yolos-tiny-sized model at 512x688", "[yolos][vulkan]") {
  const auto device = first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  const auto model = random_yolos({});
  const Tensor pixels = vitlens::test::random_pixels(512, 688);
  const int first_detection = 1 + 32 * 43;
  const AttentionRequest request = AttentionRequest::selected({first_detection, first_detection + 99});
  const ForwardOutput expected = vitlens::make_reference_backend(model)->forward(pixels, request);
  for (const auto family : {vitlens::KernelFamily::Texel, vitlens::KernelFamily::Tiled}) {
    const ForwardOutput actual = vitlens::make_backend(model, *device, {family})->forward(pixels, request);
    INFO((family == vitlens::KernelFamily::Texel ? "texel" : "tiled"));
    check_close("detection logits", actual.detection_logits, expected.detection_logits, 1e-3);
    check_close("detection boxes", actual.detection_boxes, expected.detection_boxes, 1e-4);
    check_close("detection-token attention", actual.attention, expected.attention, 1e-4);
  }
}

TEST_CASE("YOLOS pre-processing sizes match YolosImageProcessor, too elongated images are refused", "[yolos]") {
  vitlens::PreprocessConfig config;
  config.resize_mode = vitlens::PreprocessConfig::ResizeMode::ShortestEdgeCapped;
  for (const auto& entry : manifest().at("resize_sizes")) {
    const int height = entry.at("height"), width = entry.at("width");
    config.shortest_edge = entry.at("shortest_edge");
    config.longest_edge = entry.at("longest_edge");
    const int out_height = entry.at("resized")[0], out_width = entry.at("resized")[1];
    INFO(width << "x" << height << " to shortest edge " << config.shortest_edge);
    if (out_height > 0 && out_width > 0) {
      CHECK(vitlens::input_geometry({width, height}, config).resized == cv::Size(out_width, out_height));
    } else {
      CHECK_THROWS_WITH(vitlens::input_geometry({width, height}, config), Catch::Contains("too small or too elongated"));
    }
  }
}

TEST_CASE("a pre-processed YOLOS input keeps the aspect ratio in multiples of 16", "[yolos]") {
  const auto model = load(yolos_fixtures() / "yolos_mid");
  vitlens::PreprocessConfig config = model->preprocess;
  config.shortest_edge = 64;
  const cv::Mat image(45, 80, CV_8UC3, cv::Scalar(120, 30, 200));
  const Tensor pixels = vitlens::preprocess(image, config);
  CHECK(pixels.shape == std::vector<int64_t>{3, 64, 112});  // 80 * 64 / 45 = 113.7 -> 113 -> 112
  const ForwardOutput out = vitlens::make_reference_backend(model)->forward(pixels, {});
  CHECK(out.detection_boxes.shape == std::vector<int64_t>{10, 4});
}

TEST_CASE("post-processing matches transformers' post_process_object_detection", "[yolos]") {
  const auto& post = manifest().at("post_process");
  YolosCase golden;
  for (const auto& entry : manifest().at("cases"))
    if (entry.at("name") == post.at("case")) golden = read_case(entry);
  ForwardOutput out;
  out.detection_logits = golden.logits;
  out.detection_boxes = golden.boxes;
  const auto model = load(golden.model);
  const cv::Size image(post.at("image_width").get<int>(), post.at("image_height").get<int>());
  const auto found = vitlens::detect_objects(out, model->labels, image, {post.at("threshold").get<float>(), 0.0f});
  const auto& expected = post.at("detections");
  REQUIRE(found.size() == expected.size());
  REQUIRE_FALSE(found.empty());
  for (size_t i = 0; i < found.size(); ++i) {
    CHECK(found[i].token == expected[i].at("token").get<int>());
    CHECK(found[i].label_id == expected[i].at("label_id").get<int>());
    CHECK(found[i].label == model->labels[static_cast<size_t>(found[i].label_id)]);
    CHECK(found[i].score == Approx(expected[i].at("score").get<double>()).margin(1e-6));
    const auto& box = expected[i].at("box");
    CHECK(found[i].box.x == Approx(box[0].get<double>()).margin(1e-3));
    CHECK(found[i].box.y == Approx(box[1].get<double>()).margin(1e-3));
    CHECK(found[i].box.x + found[i].box.width == Approx(box[2].get<double>()).margin(1e-3));
    CHECK(found[i].box.y + found[i].box.height == Approx(box[3].get<double>()).margin(1e-3));
  }
  CHECK(vitlens::detect_objects(out, model->labels, image, {0.0f, 0.0f}).size() == 10);  // every token
  CHECK(vitlens::detect_objects(out, model->labels, image, {1.0f, 0.0f}).empty());
}

TEST_CASE("per-class NMS drops overlapping boxes of the same class only", "[yolos]") {
  // Three tokens of classes 0, 0, 1 (and "no object"), all over nearly the same box.
  ForwardOutput out;
  out.detection_logits = Tensor({3, 3}, {5, 0, 0, 4, 0, 0, 0, 5, 0});
  out.detection_boxes = Tensor({3, 4}, {0.5f, 0.5f, 0.4f, 0.4f, 0.52f, 0.5f, 0.4f, 0.4f, 0.5f, 0.5f, 0.4f, 0.4f});
  const std::vector<std::string> labels{"cat", "dog"};
  CHECK(vitlens::detect_objects(out, labels, {100, 100}, {0.1f, 0.0f}).size() == 3);
  const auto kept = vitlens::detect_objects(out, labels, {100, 100}, {0.1f, 0.5f});
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].token == 0);  // the stronger cat; the weaker overlapping cat is dropped
  CHECK(kept[1].token == 2);  // the dog is another class
  CHECK(kept[0].box.x == Approx(30.0f));
  CHECK(kept[0].box.width == Approx(40.0f));
}

TEST_CASE("post-processing a classifier's outputs is refused with a clear error", "[yolos]") {
  ForwardOutput out;
  out.logits = Tensor({5});
  CHECK_THROWS_WITH(vitlens::detect_objects(out, {}, {10, 10}), Catch::Contains("is the model a YOLOS detector"));
}

TEST_CASE("a YOLOS config over a classifier checkpoint and the reverse are refused", "[yolos]") {
  const vitlens::test::TempFolder temp("yolos_mismatch");
  const fs::path fixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
  const fs::path yolos_config_vit_weights = fs::path(temp.file("a"));
  copy_folder(fixtures / "hf_vit", yolos_config_vit_weights);
  fs::copy_file(yolos_fixtures() / "yolos_mid" / "config.json", yolos_config_vit_weights / "config.json",
                fs::copy_options::overwrite_existing);
  CHECK_THAT(error_of([&] { vitlens::load_model(yolos_config_vit_weights.string()); }),
             Catch::Contains("names YolosForObjectDetection") && Catch::Contains("is it an image classifier"));

  const fs::path vit_config_yolos_weights = fs::path(temp.file("b"));
  copy_folder(yolos_fixtures() / "yolos_mid", vit_config_yolos_weights);
  fs::copy_file(fixtures / "hf_vit" / "config.json", vit_config_yolos_weights / "config.json", fs::copy_options::overwrite_existing);
  CHECK_THAT(error_of([&] { vitlens::load_model(vit_config_yolos_weights.string()); }),
             Catch::Contains("should name YolosForObjectDetection"));
}

TEST_CASE("a YOLOS checkpoint without the mid-position embeddings its config asks for is refused", "[yolos]") {
  const vitlens::test::TempFolder temp("yolos_no_mid");
  const fs::path folder(temp.file("m"));
  copy_folder(yolos_fixtures() / "yolos_coco", folder);
  std::ifstream in(folder / "config.json");
  auto config = nlohmann::json::parse(in);
  in.close();
  config["use_mid_position_embeddings"] = true;
  std::ofstream(folder / "config.json") << config.dump();
  CHECK_THAT(error_of([&] { vitlens::load_model(folder.string()); }), Catch::Contains("mid_position_embeddings"));
}

TEST_CASE("YOLOS inputs smaller than one patch are refused by every backend", "[yolos]") {
  const auto model = load(yolos_fixtures() / "yolos_coco");
  const Tensor tiny = vitlens::test::random_pixels(8, 8);
  CHECK_THROWS_AS(vitlens::make_reference_backend(model)->forward(tiny, {}), vitlens::Error);
  CHECK_THROWS_AS(vitlens::make_cpu_backend(model)->forward(tiny, {}), vitlens::Error);
  if (const auto device = first_vulkan_device()) CHECK_THROWS_AS(vitlens::make_backend(model, *device)->forward(tiny, {}), vitlens::Error);
}

TEST_CASE("tiny images are enlarged to the shortest edge and extreme aspect ratios are refused clearly", "[yolos]") {
  const auto model = load(yolos_fixtures() / "yolos_mid");
  vitlens::PreprocessConfig config = model->preprocess;
  config.shortest_edge = 48;
  const cv::Mat speck(3, 3, CV_8UC3, cv::Scalar(10, 200, 90));
  const Tensor pixels = vitlens::preprocess(speck, config);
  CHECK(pixels.shape == std::vector<int64_t>{3, 48, 48});
  const auto found = vitlens::detect_objects(vitlens::make_reference_backend(model)->forward(pixels, {}), model->labels,
                                             speck.size(), {0.0f, 0.0f});
  REQUIRE(found.size() == 10);
  for (const auto& d : found) CHECK(std::isfinite(d.box.x));

  const cv::Mat sliver(20, 4000, CV_8UC3, cv::Scalar::all(128));
  CHECK_THROWS_WITH(vitlens::preprocess(sliver, model->preprocess),
                    Catch::Contains("4000x20") && Catch::Contains("too small or too elongated"));
}
