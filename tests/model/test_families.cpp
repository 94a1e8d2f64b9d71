// The newer families (DINOv2 with and without registers, CLIP and SigLIP image towers): what
// loading them yields beyond the golden numbers, their token kinds, where attention goes, and
// the clear refusals of the relatives ViTLens does not compute.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/model/description.hpp"
#include "vitlens/model/token_layout.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kFamilies = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "families";

std::shared_ptr<const Model> load(const std::string& name) {
  return std::make_shared<const Model>(load_model((kFamilies / name).string()));
}

std::string fact(const Model& model, const std::string& name) {
  for (const ModelFact& f : describe_model(model))
    if (f.name == name) return f.value;
  FAIL("no fact named " << name);
  return {};
}

std::vector<std::string> names(const std::vector<QueryToken>& queries) {
  std::vector<std::string> all;
  for (const QueryToken& q : queries) all.push_back(q.name());
  return all;
}

Tensor ramp(int height, int width) {
  Tensor pixels({3, height, width});
  for (size_t i = 0; i < pixels.data.size(); ++i) pixels.data[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  return pixels;
}

// A model folder with only a config.json naming `architecture`.
fs::path config_only(const std::string& architecture) {
  const fs::path folder = fs::temp_directory_path() / ("vitlens-unsupported-" + architecture);
  fs::create_directories(folder);
  std::ofstream(folder / "config.json") << R"({"architectures": [")" << architecture << R"("], "hidden_size": 32})";
  // An empty tensor table: the architecture is refused before any tensor is looked for.
  std::ofstream(folder / "model.safetensors", std::ios::binary) << std::string("\x02\0\0\0\0\0\0\0{}", 10);
  return folder;
}

}  // namespace

TEST_CASE("info names each family and the features that set it apart", "[families]") {
  const auto reg = load("hf_dinov2_reg_swiglu");
  CHECK(fact(*reg, "family") == "DINOv2 with registers");
  CHECK_THAT(fact(*reg, "features"), Contains("registers: 4") && Contains("LayerScale") && Contains("SwiGLU"));
  CHECK(fact(*reg, "prefix tokens") == "5 (CLS, 4 registers)");
  CHECK(fact(*reg, "embedding size") == "64");  // [CLS, patch mean]

  const auto clip = load("hf_clip");
  CHECK(fact(*clip, "family") == "CLIP");
  CHECK_THAT(fact(*clip, "features"), Contains("pre-norm") && Contains("16-d joint embedding"));
  CHECK_FALSE(clip->has_classifier());

  const auto siglip = load("hf_siglip");
  CHECK(fact(*siglip, "family") == "SigLIP");
  CHECK_THAT(fact(*siglip, "features"), Contains("attention-probe pooling"));
  CHECK(fact(*siglip, "prefix tokens") == "0 (no CLS token)");

  CHECK(load("timm_dinov2_reg4/model.safetensors")->config.family == "DINOv2 with registers");
  CHECK(load("timm_deit3/model.safetensors")->config.family == "DeiT III");
  CHECK(load("timm_clip/model.safetensors")->config.projection_size == 16);  // timm's head is the projection
}

TEST_CASE("a whole CLIPModel loads its image tower and says the text tower is unused", "[families]") {
  const auto model = load("hf_clip_model");
  CHECK(model->config.projection_size == 16);
  REQUIRE_FALSE(model->notes.empty());
  CHECK_THAT(model->notes.front(), Contains("text tower is not used"));
}

TEST_CASE("registers and the probe are query tokens; CLS is refused where there is none", "[families]") {
  const QueryToken reg = QueryToken::parse("reg:3");
  CHECK(reg.kind == QueryToken::Kind::Reg);
  CHECK(reg.name() == "reg:3");
  CHECK(reg.file_tag() == "reg3");
  CHECK(QueryToken::parse("probe").kind == QueryToken::Kind::Probe);

  const auto dinov2 = load("hf_dinov2_reg_swiglu");
  const TokenLayout layout = token_layout(dinov2->config, 32, 32);
  CHECK(layout.prefix == 5);
  CHECK(layout.registers == 4);
  CHECK(reg.resolve(layout) == 4);  // [CLS, reg0..reg3, patches]
  CHECK_THROWS_WITH(QueryToken::parse("reg:4").resolve(layout), Contains("out of range"));
  CHECK(names(named_queries(dinov2->config)) == std::vector<std::string>{"cls", "reg:0", "reg:1", "reg:2", "reg:3"});

  const auto siglip = load("hf_siglip");
  const TokenLayout none = token_layout(siglip->config, 32, 32);
  CHECK_THROWS_WITH(QueryToken{}.resolve(none), Contains("no CLS token"));
  CHECK_THROWS_WITH(reg.resolve(none), Contains("no register tokens"));
  CHECK(default_query(siglip->config).kind == QueryToken::Kind::Probe);
  CHECK(names(named_queries(siglip->config)) == std::vector<std::string>{"probe"});
  CHECK(default_query(dinov2->config).kind == QueryToken::Kind::Cls);
}

TEST_CASE("every raw row splits between prefix tokens and patches, registers counted apart", "[families]") {
  const auto model = load("hf_dinov2_reg_swiglu");
  const auto backend = make_reference_backend(model);
  const TokenLayout layout = token_layout(model->config, 32, 32);
  const ForwardOutput output = backend->forward(ramp(32, 32), AttentionRequest::all());
  MapSelection selection;
  selection.queries = {QueryToken{}, QueryToken::parse("reg:1"), QueryToken::parse("patch:2,3")};
  const AttentionMaps maps = raw_attention_maps(output, layout, selection);
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 4; ++h)
      for (int q = 0; q < 3; ++q) {
        const auto share = attention_share(maps, l, h, q);
        REQUIRE(share);
        CHECK(share->prefix + share->patches == Approx(1.0).margin(1e-5));
        CHECK(share->registers <= share->prefix + 1e-7);
        // The register share is the sum of that row over tokens 1..4.
        const float* row = output.attention.ptr() + ((l * 4 + h) * layout.tokens() + maps.query_tokens[static_cast<size_t>(q)]) * layout.tokens();
        CHECK(share->registers == Approx(row[1] + row[2] + row[3] + row[4]).margin(1e-6));
      }
  const AttentionMaps fused = fuse_heads(maps, HeadFusion::Mean);
  CHECK(attention_share(fused, 0, 0, 0)->prefix == Approx((maps.prefix_share.data[0] + maps.prefix_share.data[3] +
                                                           maps.prefix_share.data[6] + maps.prefix_share.data[9]) / 4).margin(1e-6));
}

TEST_CASE("SigLIP's probe map is its pooling head's attention over the patches, as one layer after the last", "[families]") {
  const auto model = load("hf_siglip");
  const TokenLayout layout = token_layout(model->config, 32, 32);
  const ForwardOutput output = make_reference_backend(model)->forward(ramp(32, 32), AttentionRequest::none());
  REQUIRE(output.probe_attention.shape == std::vector<int64_t>{4, 16});
  MapSelection selection;
  selection.queries = {QueryToken::parse("probe")};
  const AttentionMaps maps = probe_attention_maps(output, layout, selection, model->config.num_layers);
  CHECK(maps.layers == std::vector<int>{2});
  CHECK(maps.query_tokens == std::vector<int>{-1});
  CHECK(maps.map(0, 3, 0).at<float>(1, 2) == output.probe_attention.data[3 * 16 + 1 * 4 + 2]);
  CHECK(attention_share(maps, 0, 0, 0)->patches == Approx(1.0).margin(1e-5));

  const auto dinov2 = load("hf_dinov2");
  const ForwardOutput plain = make_reference_backend(dinov2)->forward(ramp(32, 32), AttentionRequest::none());
  CHECK(plain.probe_attention.empty());
  CHECK_THROWS_WITH(probe_attention_maps(plain, token_layout(dinov2->config, 32, 32), selection, 2), Contains("no pooling probe"));
}

TEST_CASE("relatives ViTLens does not compute are refused by name, with the supported list", "[families]") {
  CHECK_THROWS_WITH(load_model(config_only("SwinForImageClassification").string()),
                    Contains("SwinForImageClassification") && Contains("windowed") && Contains("Dinov2Model") && Contains("SiglipVisionModel"));
  CHECK_THROWS_WITH(load_model(config_only("Dinov3ViTModel").string()), Contains("rotary"));
  CHECK_THROWS_WITH(load_model(config_only("ViTHybridForImageClassification").string()), Contains("convolutional"));
}

TEST_CASE("each family's pre-processing comes from its own image processor's rules", "[families]") {
  const PreprocessConfig bit = load("hf_dinov2")->preprocess;  // BitImageProcessor's saved config
  CHECK(bit.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge);
  CHECK(bit.shortest_edge == 256);
  CHECK((bit.do_center_crop && bit.crop_height == 224 && bit.crop_width == 224));
  CHECK(bit.resample == Resample::Bicubic);
  CHECK(bit.mean[0] == Approx(0.485f));

  // No preprocessor_config.json: CLIPImageProcessor's defaults (OpenAI mean and std), and
  // SiglipImageProcessor's (squash to the model's size, 0.5 / 0.5).
  const PreprocessConfig clip = load("hf_clip")->preprocess;
  CHECK(clip.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge);
  CHECK(clip.mean[0] == Approx(0.48145466f));
  CHECK(clip.std[2] == Approx(0.27577711f));
  const PreprocessConfig siglip = load("hf_siglip")->preprocess;
  CHECK(siglip.resize_mode == PreprocessConfig::ResizeMode::Exact);
  CHECK(siglip.mean[1] == Approx(0.5f));

  // openai/clip-vit-base-patch16's file says "size": 224, which CLIPImageProcessor reads as
  // the shortest edge, not a square.
  const fs::path folder = fs::temp_directory_path() / "vitlens-clip-bare-size";
  fs::remove_all(folder);
  fs::copy(kFamilies / "hf_clip", folder);
  std::ofstream(folder / "preprocessor_config.json")
      << R"({"crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true, "size": 224, "resample": 3,
            "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]})";
  const PreprocessConfig old_style = load_model(folder.string()).preprocess;
  CHECK(old_style.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge);
  CHECK(old_style.shortest_edge == 224);
  CHECK((old_style.crop_height == 224 && old_style.crop_width == 224));
  fs::remove_all(folder);
}

TEST_CASE("a timm file of an unsupported relative is refused by its architecture name", "[families]") {
  const fs::path file = fs::temp_directory_path() / "eva02_small_patch14_224.safetensors";
  fs::copy_file(kFamilies / "timm_dinov2" / "model.safetensors", file, fs::copy_options::overwrite_existing);
  CHECK_THROWS_WITH(load_model(file.string()), Contains("eva02_small_patch14_224") && Contains("rotary") && Contains("supported timm families"));
  fs::remove(file);
}
