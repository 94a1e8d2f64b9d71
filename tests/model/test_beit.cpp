// BEiT: its relative position bias (table, index, resampling per framework), its loaders in
// both layouts, and what `info` says about it. The numbers themselves are pinned by the
// golden fixtures (tools/make_beit_fixtures.py).
#include <catch2/catch.hpp>

#include <filesystem>

#include "model/relative_position_bias.hpp"
#include "support/safetensors_writer.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/description.hpp"

using namespace vitlens;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kFamilies = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "families";

std::string fact(const Model& model, const std::string& name) {
  for (const ModelFact& f : describe_model(model))
    if (f.name == name) return f.value;
  FAIL("no fact named " << name);
  return {};
}

}  // namespace

TEST_CASE("the relative position index gives CLS pairs the last three rows and patches their offset", "[beit]") {
  // A 2 x 3 grid: offsets form a 3 x 5 block of 15 rows, then CLS -> patch, patch -> CLS, CLS -> CLS.
  CHECK(relative_position_rows(2, 3) == 18);
  CHECK(relative_position_row(0, 4, 2, 3) == 15);
  CHECK(relative_position_row(4, 0, 2, 3) == 16);
  CHECK(relative_position_row(0, 0, 2, 3) == 17);
  CHECK(relative_position_row(1, 1, 2, 3) == 1 * 5 + 2);  // no offset: the block's centre
  CHECK(relative_position_row(6, 1, 2, 3) == 2 * 5 + 4);  // query (1, 2), key (0, 0)
  CHECK(relative_position_row(1, 6, 2, 3) == 0);          // query (0, 0), key (1, 2)
}

TEST_CASE("a Hugging Face bias table is resampled bilinearly for other grids and keeps its CLS rows", "[beit]") {
  VitConfig c;
  c.format = "huggingface";
  c.patch_size = 8;
  c.image_height = c.image_width = 16;  // a 2 x 2 grid: 3 x 3 offsets + 3
  Tensor trained({12, 1});
  for (int i = 0; i < 12; ++i) trained.data[static_cast<size_t>(i)] = static_cast<float>(i);
  CHECK(relative_position_table(trained, c, 2, 2).data == trained.data);
  const Tensor wider = relative_position_table(trained, c, 2, 3);  // 3 x 5 offsets + 3
  REQUIRE(wider.shape == std::vector<int64_t>{18, 1});
  CHECK(wider.data[0] == 0.0f);               // corners stay
  CHECK(wider.data[14] == 8.0f);
  CHECK(wider.data[2] == Approx(1.0f));       // the middle column maps onto the middle one
  CHECK(wider.data[1] == Approx(0.4f));       // align_corners=False: source x = 0.4
  CHECK(wider.data[15] == 9.0f);
  CHECK(wider.data[17] == 11.0f);
}

TEST_CASE("BEiT loads in both layouts with its bias, q and v biases only, LayerScale and mean pooling", "[beit]") {
  const Model hf = load_model((kFamilies / "hf_beit").string());
  const Model timm = load_model((kFamilies / "timm_beit" / "model.safetensors").string());
  for (const Model* m : {&hf, &timm}) {
    CHECK(m->config.family == "BEiT");
    CHECK(m->config.relative_position_bias);
    CHECK(m->config.layer_scale);
    CHECK(m->config.pooling == Pooling::Mean);
    CHECK(m->weights.fc_norm.has_value());
    CHECK_FALSE(m->weights.final_norm.has_value());
    CHECK(m->weights.layers[0].relative_position_bias.shape == std::vector<int64_t>{relative_position_rows(4, 4), 4});
    // The key bias is zero: 32 columns of k between q and v.
    const Tensor& bias = m->weights.layers[0].qkv.bias;
    for (int i = 32; i < 64; ++i) CHECK(bias.data[static_cast<size_t>(i)] == 0.0f);
    CHECK(m->has_classifier());
  }
  CHECK_THAT(fact(hf, "features"), Contains("relative position bias") && Contains("LayerScale") && Contains("mean pooling"));
  CHECK(fact(hf, "family") == "BEiT");

  // The shared table is every layer's; without mean pooling the CLS token is read after the final norm.
  const Model shared = load_model((kFamilies / "hf_beit_shared").string());
  CHECK(shared.config.pooling == Pooling::Token);
  CHECK(shared.weights.final_norm.has_value());
  CHECK(shared.weights.layers[0].relative_position_bias.data == shared.weights.layers[1].relative_position_bias.data);
}

TEST_CASE("a timm bias table is resized as timm's checkpoint filter does, keeping its CLS rows", "[beit]") {
  VitConfig c;
  c.format = "timm";
  c.patch_size = 8;
  c.image_height = c.image_width = 24;  // a 3 x 3 grid: 5 x 5 offsets + 3
  Tensor trained({28, 1});
  for (int i = 0; i < 28; ++i) trained.data[static_cast<size_t>(i)] = static_cast<float>(i);
  CHECK(relative_position_table(trained, c, 3, 3).data == trained.data);
  // Growing to 7 offsets per axis: the source offsets +-1 stay, +-2 move out along a geometric
  // progression whose ratio timm's search caps at 1.5 (to +-2.5); the integer offsets between
  // interpolate linearly and those past the ends take the edge.
  const Tensor grown = relative_position_table(trained, c, 4, 4);
  REQUIRE(grown.shape == std::vector<int64_t>{52, 1});
  CHECK(grown.data[3 * 7 + 3] == trained.data[2 * 5 + 2]);  // no offset: the centre stays
  CHECK(grown.data[3 * 7 + 4] == trained.data[2 * 5 + 3]);
  CHECK(grown.data[3 * 7 + 5] == Approx(trained.data[2 * 5 + 3] / 3 + trained.data[2 * 5 + 4] * 2 / 3));
  CHECK(grown.data[3 * 7 + 6] == trained.data[2 * 5 + 4]);
  CHECK(grown.data[49] == 25.0f);
  CHECK(grown.data[51] == 27.0f);

  c.image_width = 32;  // timm's resize assumes square training grids
  CHECK_THROWS_WITH(relative_position_table(Tensor({38, 1}), c, 4, 4), Contains("square training grids only") && Contains("3x4"));
}

TEST_CASE("older timm BEiT files with the index and zero k_bias buffers load the same weights", "[beit]") {
  const fs::path original = kFamilies / "timm_beit";
  const TensorStore store = TensorStore::open_file((original / "model.safetensors").string());
  std::vector<test::RawTensor> tensors;
  for (const std::string& name : store.names()) {
    const Tensor t = store.read(name);
    tensors.push_back(test::f32_tensor(name, t.shape, t.data));
  }
  for (const std::string block : {"blocks.0.", "blocks.1."}) {
    tensors.push_back(test::f32_tensor(block + "attn.k_bias", {32}, std::vector<float>(32, 0.0f)));
    tensors.push_back(test::f32_tensor(block + "attn.relative_position_index", {17, 17}, std::vector<float>(17 * 17, 0.0f)));
  }
  const test::TempDir dir("beit-buffers");
  test::write_safetensors(dir.file("model.safetensors"), tensors);
  fs::copy_file(original / "config.json", dir.path() / "config.json");
  const Model older = load_model(dir.file("model.safetensors"));
  const Model current = load_model((original / "model.safetensors").string());
  CHECK(older.weights.layers[1].qkv.bias.data == current.weights.layers[1].qkv.bias.data);
  CHECK(older.weights.layers[1].relative_position_bias.data == current.weights.layers[1].relative_position_bias.data);
}
