#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "support/safetensors_writer.hpp"
#include "vitlens/eval/fashion_mnist.hpp"
#include "vitlens/eval/idx_dataset.hpp"
#include "vitlens/eval/scene_dataset.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using vitlens::test::TempDir;
using Catch::Matchers::Contains;

namespace {

std::vector<uint8_t> idx_bytes(int magic, const std::vector<int>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  auto put = [&](int v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put(magic);
  for (int d : dims) put(d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}

void write_plain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Two 2x3 images with pixel values 0..11 and labels 7, 3.
const std::vector<uint8_t> kPixels{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

}  // namespace

TEST_CASE("gzip IDX images and labels read back with their sizes, pixels and labels", "[metrics]") {
  TempDir dir("idx-gz");
  write_gz(dir.file("images.gz"), idx_bytes(0x803, {2, 2, 3}, kPixels));
  write_gz(dir.file("labels.gz"), idx_bytes(0x801, {2}, {7, 3}));
  const IdxImages set = read_idx_dataset(dir.file("images.gz"), dir.file("labels.gz"));
  CHECK(set.count() == 2);
  CHECK(set.rows == 2);
  CHECK(set.cols == 3);
  CHECK(set.labels == std::vector<int>{7, 3});
  const cv::Mat second = set.image(1);
  CHECK(second.type() == CV_8UC1);
  CHECK(second.at<uint8_t>(0, 0) == 6);
  CHECK(second.at<uint8_t>(1, 2) == 11);
  REQUIRE_THROWS_AS(set.image(2), Error);
}

TEST_CASE("uncompressed IDX files read as well", "[metrics]") {
  TempDir dir("idx-plain");
  write_plain(dir.file("images"), idx_bytes(0x803, {2, 2, 3}, kPixels));
  write_plain(dir.file("labels"), idx_bytes(0x801, {2}, {1, 2}));
  CHECK(read_idx_dataset(dir.file("images"), dir.file("labels")).count() == 2);
}

TEST_CASE("broken IDX files are rejected with the file named", "[metrics]") {
  TempDir dir("idx-bad");
  write_gz(dir.file("labels.gz"), idx_bytes(0x801, {2}, {7, 3}));

  SECTION("truncated images") {
    write_gz(dir.file("images.gz"), idx_bytes(0x803, {2, 2, 3}, {0, 1, 2, 3}));
    REQUIRE_THROWS_WITH(read_idx_dataset(dir.file("images.gz"), dir.file("labels.gz")),
                        Contains(dir.file("images.gz")) && Contains("truncated"));
  }
  SECTION("a labels file where the images belong") {
    REQUIRE_THROWS_WITH(read_idx_dataset(dir.file("labels.gz"), dir.file("labels.gz")),
                        Contains(dir.file("labels.gz")) && Contains("not an IDX images file"));
  }
  SECTION("label and image counts that differ") {
    write_gz(dir.file("images.gz"), idx_bytes(0x803, {1, 2, 3}, {0, 1, 2, 3, 4, 5}));
    REQUIRE_THROWS_WITH(read_idx_dataset(dir.file("images.gz"), dir.file("labels.gz")), Contains("has 2 labels but"));
  }
  SECTION("a missing file") {
    REQUIRE_THROWS_WITH(read_idx_dataset(dir.file("none.gz"), dir.file("labels.gz")), Contains(dir.file("none.gz")));
  }
}

TEST_CASE("a missing Fashion-MNIST folder is reported with the Debian package that installs it", "[metrics][demo]") {
  REQUIRE_THROWS_WITH(load_fashion_mnist(FashionMnistSplit::Test, "/nonexistent/fashion-mnist"),
                      Contains("/nonexistent/fashion-mnist/t10k-images-idx3-ubyte.gz") && Contains("dataset-fashion-mnist"));
}

TEST_CASE("scene annotations read into scenes with full image paths and boxes", "[metrics]") {
  TempDir dir("scenes");
  std::ofstream(dir.file("annotations.json")) << R"({"classes": ["a", "b"], "scenes": [
      {"file": "s0.png", "objects": [{"label": 1, "box": [1, 2, 30, 40]}]},
      {"file": "s1.png", "objects": []}]})";
  const SceneDataset set = read_scene_dataset(dir.path().string());
  REQUIRE(set.scenes.size() == 2);
  CHECK(set.classes == std::vector<std::string>{"a", "b"});
  CHECK(set.scenes[0].image == dir.file("s0.png"));
  REQUIRE(set.scenes[0].objects.size() == 1);
  CHECK(set.scenes[0].objects[0].label == 1);
  CHECK(set.scenes[0].objects[0].box.x1 == 30);
  CHECK(set.scenes[1].objects.empty());
}

TEST_CASE("scene annotations with a label outside the classes or an empty box are rejected", "[metrics]") {
  TempDir dir("scenes-bad");
  SECTION("label") {
    std::ofstream(dir.file("annotations.json")) << R"({"classes": ["a"], "scenes": [{"file": "s.png", "objects": [{"label": 1, "box": [0, 0, 5, 5]}]}]})";
    REQUIRE_THROWS_WITH(read_scene_dataset(dir.path().string()), Contains("annotations.json") && Contains("label 1"));
  }
  SECTION("box") {
    std::ofstream(dir.file("annotations.json")) << R"({"classes": ["a"], "scenes": [{"file": "s.png", "objects": [{"label": 0, "box": [5, 0, 5, 5]}]}]})";
    REQUIRE_THROWS_WITH(read_scene_dataset(dir.path().string()), Contains("is empty"));
  }
  SECTION("missing") {
    REQUIRE_THROWS_WITH(read_scene_dataset((dir.path() / "nothing").string()), Contains("annotations.json: not found"));
  }
}
