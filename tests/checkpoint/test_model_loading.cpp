#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/safetensors_writer.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using namespace vitlens::test;
using Catch::Matchers::Contains;

namespace {

int64_t stored_numel(const std::vector<RawTensor>& tensors) {
  int64_t total = 0;
  for (const RawTensor& t : tensors) total += numel(t.shape);
  return total;
}

void require_shape(const Tensor& tensor, std::vector<int64_t> shape) { REQUIRE(tensor.shape == shape); }

void require_canonical_shapes(const Model& model) {
  const VitConfig& c = model.config;
  const int64_t d = c.hidden_size;
  const int64_t rows = static_cast<int64_t>(c.grid_height()) * c.grid_width() + c.positioned_prefix_tokens();
  const int64_t fc1_rows = c.mlp == MlpKind::SwiGlu ? 2 * int64_t{c.mlp_size} : c.mlp_size;
  const int64_t feature = c.pooling == Pooling::ClsAndMean ? 2 * d : d;
  require_shape(model.weights.patch_embed.weight, {d, int64_t{c.num_channels} * c.patch_size * c.patch_size});
  require_shape(model.weights.patch_embed.bias, {d});
  require_shape(model.weights.prefix_tokens, {c.num_prefix_tokens, d});
  require_shape(model.weights.pos_embed, {rows, d});
  REQUIRE(model.weights.layers.size() == static_cast<size_t>(c.num_layers));
  for (const EncoderLayerWeights& layer : model.weights.layers) {
    require_shape(layer.qkv.weight, {3 * d, d});
    require_shape(layer.qkv.bias, {3 * d});
    require_shape(layer.proj.weight, {d, d});
    require_shape(layer.fc1.weight, {fc1_rows, d});
    require_shape(layer.fc2.weight, {d, c.mlp_size});
  }
  for (const Linear& head : model.weights.heads) require_shape(head.weight, {c.num_classes, feature});
}

std::vector<float> rows_of(const std::vector<RawTensor>& tensors, const std::string& name) { return f32_values(find_tensor(tensors, name)); }

}  // namespace

TEST_CASE("a Hugging Face ViTForImageClassification folder loads into the canonical weights", "[loading]") {
  TempDir dir("hf-vit");
  const TinyVit v;
  json config = hf_config(v, "ViTForImageClassification");
  config["hidden_act"] = "gelu_new";
  const std::vector<RawTensor> tensors = hf_tensors(v, "vit.", false, {"classifier"});
  write_hf_folder(dir.path(), config, tensors);

  const Model model = load_model(dir.path().string());
  const VitConfig& c = model.config;
  REQUIRE(c.architecture == "ViTForImageClassification");
  REQUIRE(c.format == "huggingface");
  REQUIRE((c.hidden_size == 8 && c.num_layers == 2 && c.num_heads == 2 && c.mlp_size == 16));
  REQUIRE((c.patch_size == 4 && c.image_height == 8 && c.image_width == 8 && c.num_channels == 3));
  REQUIRE((c.num_prefix_tokens == 1 && c.pos_embed_has_prefix && c.pooling == Pooling::Token));
  REQUIRE(c.activation == Activation::GeluTanh);
  REQUIRE(c.layer_norm_eps == 1e-12);
  REQUIRE(c.num_classes == 3);
  REQUIRE(model.labels == std::vector<std::string>{"class 0", "class 1", "class 2"});
  require_canonical_shapes(model);
  REQUIRE(model.weights.heads.size() == 1);
  REQUIRE(model.weights.final_norm.has_value());
  REQUIRE_FALSE(model.weights.fc_norm.has_value());
  REQUIRE(model.parameter_count() == stored_numel(tensors));

  // q, k and v stack in that order; the conv kernel flattens in (channel, row, column) order.
  const EncoderLayerWeights& layer = model.weights.layers[1];
  const std::vector<float> key = rows_of(tensors, "vit.encoder.layer.1.attention.attention.key.weight");
  REQUIRE(std::equal(key.begin(), key.end(), layer.qkv.weight.data.begin() + 8 * 8));
  const std::vector<float> value_bias = rows_of(tensors, "vit.encoder.layer.1.attention.attention.value.bias");
  REQUIRE(std::equal(value_bias.begin(), value_bias.end(), layer.qkv.bias.data.begin() + 16));
  REQUIRE(model.weights.patch_embed.weight.data == rows_of(tensors, "vit.embeddings.patch_embeddings.projection.weight"));
}

TEST_CASE("a Hugging Face folder without preprocessor_config.json gets ViTImageProcessor defaults", "[loading]") {
  TempDir dir("hf-preprocess-default");
  const TinyVit v;
  write_hf_folder(dir.path(), hf_config(v, "ViTForImageClassification"), hf_tensors(v, "vit.", false, {"classifier"}));
  const PreprocessConfig p = load_model(dir.path().string()).preprocess;
  REQUIRE((p.do_resize && p.resize_mode == PreprocessConfig::ResizeMode::Exact && p.height == 8 && p.width == 8));
  REQUIRE(p.resample == Resample::Bilinear);
  REQUIRE_FALSE(p.do_center_crop);
  REQUIRE(p.mean == std::array<float, 3>{0.5f, 0.5f, 0.5f});
  REQUIRE(p.std == std::array<float, 3>{0.5f, 0.5f, 0.5f});
}

TEST_CASE("preprocessor_config.json sets resizing, cropping and normalisation", "[loading]") {
  TempDir dir("hf-preprocess");
  const TinyVit v;
  write_hf_folder(dir.path(), hf_config(v, "DeiTForImageClassificationWithTeacher"), hf_tensors(v, "deit.", true, {"cls_classifier", "distillation_classifier"}));
  write_json(dir.file("preprocessor_config.json"), {{"do_resize", true}, {"size", {{"shortest_edge", 256}}}, {"resample", 3}, {"do_center_crop", true},
                                                    {"crop_size", {{"height", 224}, {"width", 200}}}, {"rescale_factor", 0.5}, {"image_mean", {0.485, 0.456, 0.406}},
                                                    {"image_std", {0.229, 0.224, 0.225}}});
  const PreprocessConfig p = load_model(dir.path().string()).preprocess;
  REQUIRE((p.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge && p.shortest_edge == 256));
  REQUIRE(p.resample == Resample::Bicubic);
  REQUIRE((p.do_center_crop && p.crop_height == 224 && p.crop_width == 200));
  REQUIRE(p.rescale_factor == 0.5);
  REQUIRE(p.mean[0] == 0.485f);
  REQUIRE(p.std[2] == 0.225f);

  write_json(dir.file("preprocessor_config.json"), {{"size", 256}, {"resample", 5}});
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("preprocessor_config.json") && Contains("\"resample\" 5"));
}

TEST_CASE("a bare ViTModel loads without classifier and ignores its pooler", "[loading]") {
  TempDir dir("hf-vitmodel");
  const TinyVit v;
  json config = hf_config(v, "ViTModel");
  config.erase("id2label");
  std::vector<RawTensor> tensors = hf_tensors(v, "", false, {});
  add_linear(tensors, "pooler.dense", v.width, v.width);
  write_hf_folder(dir.path(), config, tensors);

  const Model model = load_model(dir.path().string());
  REQUIRE(model.config.num_classes == 0);
  REQUIRE_FALSE(model.has_classifier());
  REQUIRE(model.labels.empty());
  REQUIRE(model.weights.heads.empty());
  require_canonical_shapes(model);
  REQUIRE(model.parameter_count() == stored_numel(tensors));
}

TEST_CASE("a distilled DeiT loads with two prefix tokens and two averaged heads", "[loading]") {
  TempDir dir("hf-deit");
  const TinyVit v;
  const std::vector<RawTensor> tensors = hf_tensors(v, "deit.", true, {"cls_classifier", "distillation_classifier"});
  write_hf_folder(dir.path(), hf_config(v, "DeiTForImageClassificationWithTeacher"), tensors);

  const Model model = load_model(dir.path().string());
  REQUIRE(model.config.num_prefix_tokens == 2);
  require_shape(model.weights.pos_embed, {6, 8});
  REQUIRE(model.weights.heads.size() == 2);
  require_canonical_shapes(model);
  REQUIRE(model.weights.prefix_tokens.data[8] == rows_of(tensors, "deit.embeddings.distillation_token")[0]);
  REQUIRE(model.weights.heads[1].weight.data == rows_of(tensors, "distillation_classifier.weight"));
}

TEST_CASE("DeiTForImageClassification keeps the distillation token but has one head", "[loading]") {
  TempDir dir("hf-deit-single");
  const TinyVit v;
  write_hf_folder(dir.path(), hf_config(v, "DeiTForImageClassification"), hf_tensors(v, "deit.", true, {"classifier"}));
  const Model model = load_model(dir.path().string());
  REQUIRE(model.config.num_prefix_tokens == 2);
  REQUIRE(model.weights.heads.size() == 1);
}

TEST_CASE("classes without id2label are named LABEL_i", "[loading]") {
  TempDir dir("hf-labels");
  const TinyVit v;
  json config = hf_config(v, "ViTForImageClassification");
  config.erase("id2label");
  write_hf_folder(dir.path(), config, hf_tensors(v, "vit.", false, {"classifier"}));
  REQUIRE(load_model(dir.path().string()).labels == std::vector<std::string>{"LABEL_0", "LABEL_1", "LABEL_2"});
}

TEST_CASE("a non-square image_size gives a non-square grid", "[loading]") {
  TempDir dir("hf-rect");
  TinyVit v;
  json config = hf_config(v, "ViTModel");
  config["image_size"] = {8, 12};
  std::vector<RawTensor> tensors = hf_tensors(v, "", false, {});
  erase_tensor(tensors, "embeddings.position_embeddings");
  tensors.push_back(f32_tensor("embeddings.position_embeddings", {1, 7, 8}, 0.1f));
  write_hf_folder(dir.path(), config, tensors);
  const Model model = load_model(dir.path().string());
  REQUIRE((model.config.grid_height() == 2 && model.config.grid_width() == 3));
}

TEST_CASE("an unknown architecture is rejected with the supported list", "[loading]") {
  TempDir dir("hf-unknown");
  const TinyVit v;
  write_hf_folder(dir.path(), hf_config(v, "SwinForImageClassification"), hf_tensors(v, "vit.", false, {}));
  REQUIRE_THROWS_WITH(load_model(dir.path().string()),
                      Contains("config.json") && Contains("'SwinForImageClassification' is not supported") && Contains("ViTForImageClassification, ViTModel"));
}

TEST_CASE("a checkpoint missing a tensor is rejected by name", "[loading]") {
  TempDir dir("hf-missing");
  const TinyVit v;
  std::vector<RawTensor> tensors = hf_tensors(v, "vit.", false, {"classifier"});
  erase_tensor(tensors, "vit.encoder.layer.1.output.dense.bias");
  write_hf_folder(dir.path(), hf_config(v, "ViTForImageClassification"), tensors);
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("model.safetensors") && Contains("'vit.encoder.layer.1.output.dense.bias' is missing"));
}

TEST_CASE("a checkpoint with an unexpected extra tensor is rejected by name", "[loading]") {
  TempDir dir("hf-extra");
  const TinyVit v;
  std::vector<RawTensor> tensors = hf_tensors(v, "vit.", false, {"classifier"});
  tensors.push_back(f32_tensor("vit.embeddings.mask_token", {1, 1, 8}, 0.0f));
  write_hf_folder(dir.path(), hf_config(v, "ViTForImageClassification"), tensors);
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("model.safetensors") && Contains("'vit.embeddings.mask_token'"));
}

TEST_CASE("a tensor of the wrong shape is rejected with both shapes", "[loading]") {
  TempDir dir("hf-shape");
  const TinyVit v;
  std::vector<RawTensor> tensors = hf_tensors(v, "vit.", false, {"classifier"});
  erase_tensor(tensors, "vit.encoder.layer.0.intermediate.dense.weight");
  tensors.push_back(f32_tensor("vit.encoder.layer.0.intermediate.dense.weight", {12, 8}, 0.0f));
  write_hf_folder(dir.path(), hf_config(v, "ViTForImageClassification"), tensors);
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("model.safetensors") && Contains("'vit.encoder.layer.0.intermediate.dense.weight'") &&
                                                           Contains("[12, 8]") && Contains("[16, 8]"));
}

TEST_CASE("config.json and weights that disagree on the hidden size are rejected", "[loading]") {
  TempDir dir("hf-disagree");
  const TinyVit v;
  json config = hf_config(v, "ViTForImageClassification");
  config["hidden_size"] = 16;
  config["num_attention_heads"] = 4;
  write_hf_folder(dir.path(), config, hf_tensors(v, "vit.", false, {"classifier"}));
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("config.json implies") && Contains("hidden_size 16") && Contains("[8, 3, 4, 4]"));
}

TEST_CASE("a configuration whose heads do not divide the width is rejected", "[loading]") {
  TempDir dir("hf-heads");
  const TinyVit v;
  json config = hf_config(v, "ViTForImageClassification");
  config["num_attention_heads"] = 3;
  write_hf_folder(dir.path(), config, hf_tensors(v, "vit.", false, {"classifier"}));
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("config.json") && Contains("not divisible by 3 attention heads"));
}

TEST_CASE("a sharded Hugging Face checkpoint loads through its index", "[loading]") {
  TempDir dir("hf-sharded");
  const TinyVit v;
  const std::vector<RawTensor> tensors = hf_tensors(v, "vit.", false, {"classifier"});
  const auto middle = tensors.begin() + static_cast<std::ptrdiff_t>(tensors.size() / 2);
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), {tensors.begin(), middle});
  write_safetensors(dir.file("model-00002-of-00002.safetensors"), {middle, tensors.end()});
  json weight_map = json::object();
  for (auto t = tensors.begin(); t != tensors.end(); ++t) weight_map[t->name] = t < middle ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  write_json(dir.file("model.safetensors.index.json"), {{"weight_map", weight_map}});
  write_json(dir.file("config.json"), hf_config(v, "ViTForImageClassification"));

  const Model model = load_model(dir.path().string());
  require_canonical_shapes(model);
  REQUIRE(model.parameter_count() == stored_numel(tensors));

  std::filesystem::remove(dir.file("model-00002-of-00002.safetensors"));
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("model.safetensors.index.json") && Contains("does not exist"));
}

TEST_CASE("a folder without config.json or checkpoint is rejected", "[loading]") {
  TempDir dir("no-model");
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains(dir.path().string()) && Contains("without config.json"));
  REQUIRE_THROWS_WITH(load_model(dir.file("absent.safetensors")), Contains("no such file"));
  write_json(dir.file("config.json"), hf_config(TinyVit{}, "ViTModel"));
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("none of model.safetensors, pytorch_model.bin or their sharded .index.json"));
}

TEST_CASE("a timm checkpoint without config infers its shape from the tensors", "[loading]") {
  TempDir dir("timm-bare");
  TinyVit v;
  v.width = 128;  // heads fall back to width / 64
  v.mlp = 32;
  const std::vector<RawTensor> tensors = timm_tensors(v, {});
  write_safetensors(dir.file("model.safetensors"), tensors);

  const Model model = load_model(dir.file("model.safetensors"));
  const VitConfig& c = model.config;
  REQUIRE(c.format == "timm");
  REQUIRE((c.hidden_size == 128 && c.num_layers == 2 && c.num_heads == 2 && c.mlp_size == 32));
  REQUIRE((c.patch_size == 4 && c.num_channels == 3 && c.image_height == 8 && c.image_width == 8));
  REQUIRE((c.num_prefix_tokens == 1 && c.pos_embed_has_prefix && c.pooling == Pooling::Token));
  REQUIRE((c.layer_norm_eps == 1e-6 && c.activation == Activation::GeluErf));
  REQUIRE(model.labels == std::vector<std::string>{"LABEL_0", "LABEL_1", "LABEL_2"});
  require_canonical_shapes(model);
  REQUIRE(model.weights.layers[0].qkv.weight.data == rows_of(tensors, "blocks.0.attn.qkv.weight"));
  REQUIRE(model.parameter_count() == stored_numel(tensors));

  const PreprocessConfig& p = model.preprocess;
  REQUIRE((p.resize_mode == PreprocessConfig::ResizeMode::ShortestEdge && p.shortest_edge == 8));  // floor(8 / 0.9)
  REQUIRE((p.do_center_crop && p.crop_height == 8 && p.crop_width == 8 && p.resample == Resample::Bicubic));
  REQUIRE(p.mean == std::array<float, 3>{0.485f, 0.456f, 0.406f});
}

TEST_CASE("a timm config.json supplies heads, labels and the eval transform", "[loading]") {
  TempDir dir("timm-config");
  const TinyVit v;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {}));
  write_json(dir.file("config.json"), {{"architecture", "vit_tiny_patch4_8.test"},
                                       {"num_classes", 3},
                                       {"label_names", {"cat", "dog", "fish"}},
                                       {"model_args", {{"num_heads", 4}}},
                                       {"pretrained_cfg", {{"input_size", {3, 8, 8}}, {"interpolation", "bilinear"}, {"crop_pct", 0.5}, {"mean", {0.5, 0.5, 0.5}}}}});
  const Model model = load_model(dir.path().string());
  REQUIRE(model.config.architecture == "vit_tiny_patch4_8.test");
  REQUIRE(model.config.num_heads == 4);
  REQUIRE(model.labels == std::vector<std::string>{"cat", "dog", "fish"});
  REQUIRE(model.preprocess.shortest_edge == 16);
  REQUIRE(model.preprocess.resample == Resample::Bilinear);
  REQUIRE(model.preprocess.mean[0] == 0.5f);
}

TEST_CASE("timm heads come from the architecture name when the config omits them", "[loading]") {
  TempDir dir("timm-name");
  TinyVit v;
  v.width = 12;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {}));
  write_json(dir.file("config.json"), {{"architecture", "deit_small_patch4_8"}});
  REQUIRE(load_model(dir.path().string()).config.num_heads == 6);
}

TEST_CASE("timm LayerScale is folded into proj and fc2", "[loading]") {
  TempDir dir("timm-layerscale");
  const TinyVit v;
  const std::vector<RawTensor> tensors = timm_tensors(v, {.layer_scale = true});
  write_safetensors(dir.file("m.safetensors"), tensors);
  write_json(dir.file("config.json"), {{"architecture", "vit_test"}, {"num_heads", 2}});

  const Model model = load_model(dir.file("m.safetensors"));
  const std::vector<float> proj = rows_of(tensors, "blocks.1.attn.proj.weight");
  const std::vector<float> proj_bias = rows_of(tensors, "blocks.1.attn.proj.bias");
  const std::vector<float> fc2 = rows_of(tensors, "blocks.1.mlp.fc2.weight");
  const std::vector<float> gamma1 = rows_of(tensors, "blocks.1.ls1.gamma");
  const std::vector<float> gamma2 = rows_of(tensors, "blocks.1.ls2.gamma");
  const EncoderLayerWeights& layer = model.weights.layers[1];
  REQUIRE(layer.proj.weight.data[3 * 8 + 5] == proj[3 * 8 + 5] * gamma1[3]);
  REQUIRE(layer.proj.bias.data[6] == proj_bias[6] * gamma1[6]);
  REQUIRE(layer.fc2.weight.data[7 * 16 + 15] == fc2[7 * 16 + 15] * gamma2[7]);
  // The checkpoint's count includes the gammas the canonical weights no longer hold.
  REQUIRE(model.parameter_count() == stored_numel(tensors));
}

TEST_CASE("a timm no_embed_class checkpoint has position rows for the patches only", "[loading]") {
  TempDir dir("timm-no-embed-class");
  TinyVit v;
  v.width = 64;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {.no_embed_class = true}));
  const Model model = load_model(dir.file("model.safetensors"));
  REQUIRE_FALSE(model.config.pos_embed_has_prefix);
  REQUIRE((model.config.image_height == 8 && model.config.image_width == 8));
  require_canonical_shapes(model);
}

TEST_CASE("a timm checkpoint with fc_norm pools the patch tokens by their mean", "[loading]") {
  TempDir dir("timm-fc-norm");
  TinyVit v;
  v.width = 64;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {.fc_norm = true, .qkv_bias = false}));
  const Model model = load_model(dir.file("model.safetensors"));
  REQUIRE(model.config.pooling == Pooling::Mean);
  REQUIRE_FALSE(model.weights.final_norm.has_value());
  REQUIRE(model.weights.fc_norm.has_value());
  require_canonical_shapes(model);
  REQUIRE(model.weights.layers[0].qkv.bias.data == std::vector<float>(3 * 64, 0.0f));
}

TEST_CASE("a timm distilled DeiT loads with the distillation token and two heads", "[loading]") {
  TempDir dir("timm-distilled");
  TinyVit v;
  v.width = 12;
  write_safetensors(dir.file("deit_tiny_distilled_patch4_8.safetensors"), timm_tensors(v, {.distilled = true}));
  const Model model = load_model(dir.file("deit_tiny_distilled_patch4_8.safetensors"));
  REQUIRE(model.config.architecture == "deit_tiny_distilled_patch4_8");
  REQUIRE(model.config.num_heads == 3);
  REQUIRE(model.config.num_prefix_tokens == 2);
  REQUIRE(model.weights.heads.size() == 2);
  require_canonical_shapes(model);
}

TEST_CASE("a timm config.json whose image size disagrees with pos_embed is rejected", "[loading]") {
  TempDir dir("timm-disagree");
  TinyVit v;
  v.width = 64;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {}));
  write_json(dir.file("config.json"), {{"architecture", "vit_x"}, {"pretrained_cfg", {{"input_size", {3, 16, 16}}}}});
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("pos_embed has 5 rows") && Contains("16x16") && Contains("implies 17"));
}

TEST_CASE("a timm checkpoint whose head disagrees with config num_classes is rejected", "[loading]") {
  TempDir dir("timm-classes");
  TinyVit v;
  v.width = 64;
  write_safetensors(dir.file("model.safetensors"), timm_tensors(v, {}));
  write_json(dir.file("config.json"), {{"architecture", "vit_x"}, {"num_classes", 1000}});
  REQUIRE_THROWS_WITH(load_model(dir.path().string()), Contains("config.json") && Contains("num_classes 1000") && Contains("3 rows"));
}

TEST_CASE("a timm block with a wrong shape is rejected by name", "[loading]") {
  TempDir dir("timm-shape");
  TinyVit v;
  v.width = 64;
  std::vector<RawTensor> tensors = timm_tensors(v, {});
  erase_tensor(tensors, "blocks.1.mlp.fc1.weight");
  tensors.push_back(f32_tensor("blocks.1.mlp.fc1.weight", {8, 64}, 0.0f));
  write_safetensors(dir.file("model.safetensors"), tensors);
  REQUIRE_THROWS_WITH(load_model(dir.file("model.safetensors")), Contains("model.safetensors") && Contains("'blocks.1.mlp.fc1.weight' has shape [8, 64]") && Contains("[16, 64]"));
}

TEST_CASE("every model in the fixture manifest loads, and its expected outputs open", "[loading]") {
  const std::filesystem::path fixtures = std::filesystem::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";
  std::ifstream in(fixtures / "manifest.json");
  REQUIRE(in.good());
  const json manifest = json::parse(in);
  REQUIRE_FALSE(manifest.at("cases").empty());
  for (const json& fixture : manifest.at("cases")) {
    INFO(fixture.at("name").get<std::string>());
    const Model model = load_model((fixtures / fixture.at("model").get<std::string>()).string());
    require_canonical_shapes(model);
    REQUIRE(model.has_classifier() == fixture.at("has_logits").get<bool>());
    REQUIRE(model.parameter_count() > 0);
    REQUIRE_NOTHROW(SafetensorsFile::open((fixtures / fixture.at("expected").get<std::string>()).string()));
  }
}
