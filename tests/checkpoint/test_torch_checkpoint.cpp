#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/model/model.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

// Fixtures from tools/make_pickle_fixtures.py: torch.save files and their safetensors twins.
namespace {

const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";
const std::string kPickle = kFixtures + "pickle/";

void require_same_tensors(const TensorStore& pytorch, const TensorStore& safetensors) {
  REQUIRE(pytorch.names() == safetensors.names());
  for (const std::string& name : safetensors.names()) {
    INFO(name);
    const Tensor a = pytorch.read(name), b = safetensors.read(name);
    CHECK(a.shape == b.shape);
    CHECK(a.data == b.data);
    CHECK(pytorch.info(name).dtype == safetensors.info(name).dtype);
  }
}

void require_same_weights(const Model& a, const Model& b) {
  CHECK(a.config.hidden_size == b.config.hidden_size);
  CHECK(a.config.num_prefix_tokens == b.config.num_prefix_tokens);
  CHECK(a.weights.patch_embed.weight.data == b.weights.patch_embed.weight.data);
  CHECK(a.weights.pos_embed.data == b.weights.pos_embed.data);
  CHECK(a.weights.prefix_tokens.data == b.weights.prefix_tokens.data);
  REQUIRE(a.weights.layers.size() == b.weights.layers.size());
  for (size_t i = 0; i < a.weights.layers.size(); ++i) {
    CHECK(a.weights.layers[i].qkv.weight.data == b.weights.layers[i].qkv.weight.data);
    CHECK(a.weights.layers[i].fc2.weight.data == b.weights.layers[i].fc2.weight.data);
  }
  REQUIRE(a.weights.heads.size() == b.weights.heads.size());
  for (size_t i = 0; i < a.weights.heads.size(); ++i) CHECK(a.weights.heads[i].weight.data == b.weights.heads[i].weight.data);
  CHECK(a.parameter_count() == b.parameter_count());
}

void require_refused(const std::string& file, const std::string& cause) {
  const std::string path = kPickle + "hostile/" + file;
  CHECK_THROWS_WITH(load_model(path), Contains(path) && Contains(cause));
  CHECK_FALSE(fs::exists("/tmp/vitlens-pickle-pwned"));
}

}  // namespace

TEST_CASE("a torch.save pytorch_model.bin holds the same tensors as its safetensors twin, views and offsets included", "[pickle]") {
  require_same_tensors(TensorStore::open_file(kPickle + "hf_vit_bin/pytorch_model.bin"), TensorStore::open_file(kFixtures + "hf_vit/model.safetensors"));
}

TEST_CASE("a Hugging Face folder with pytorch_model.bin loads like its safetensors twin", "[pickle]") {
  const Model model = load_model(kPickle + "hf_vit_bin");
  require_same_weights(model, load_model(kFixtures + "hf_vit"));
  CHECK(model.notes.empty());
}

TEST_CASE("a sharded pytorch_model.bin.index.json loads like its safetensors twin", "[pickle]") {
  require_same_tensors(TensorStore::open_index(kPickle + "hf_vit_bin_sharded/pytorch_model.bin.index.json"),
                       TensorStore::open_file(kFixtures + "hf_vit/model.safetensors"));
  require_same_weights(load_model(kPickle + "hf_vit_bin_sharded"), load_model(kFixtures + "hf_vit"));
}

TEST_CASE("a DINO-style nested .pth gives its teacher backbone, and says so", "[pickle]") {
  const Model model = load_model(kPickle + "dino_nested/checkpoint.pth");
  require_same_weights(model, load_model(kFixtures + "timm_vit_f16/model.safetensors"));
  REQUIRE(model.notes.size() == 3);
  CHECK_THAT(model.notes[0], Contains("took the weights under 'teacher'"));
  CHECK_THAT(model.notes[1], Contains("removed the 'module.' prefix"));
  CHECK_THAT(model.notes[2], Contains("'backbone.' tensors and left out 2 others"));
}

TEST_CASE("a DeiT-style {'model': ...} BF16 .pth loads like its safetensors twin", "[pickle]") {
  const Model model = load_model(kPickle + "deit_bf16/deit_distilled_bf16.pth");
  require_same_weights(model, load_model(kFixtures + "timm_deit_distilled_bf16/deit_distilled_bf16.safetensors"));
  CHECK_THAT(model.notes.at(0), Contains("'model'"));
}

TEST_CASE("hostile pickles are refused by name without running anything", "[pickle]") {
  require_refused("os_system.pth", "refused pickle GLOBAL os.system");
  require_refused("eval_builtin.pth", "refused pickle GLOBAL builtins.eval");
  require_refused("reduce_storage.pth", "refused pickle REDUCE of torch.FloatStorage");
  require_refused("storage_outside.pth", "refused storage '7': the archive has no entry archive/data/7");
  require_refused("storage_too_big.pth", "refused storage '0': it claims 1000 elements");
  require_refused("truncated.pth", "zip");
  require_refused("legacy.pth", "legacy format");
}
