// Attention rows of inputs larger than one device binding: the Vulkan read-back split over
// several buffers (a lowered binding limit makes small models split as large ones must),
// and forward passes that hand each layer's rows over as soon as they are computed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/random_model.hpp"
#include "support/vulkan_device.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using test::first_vulkan_device;
using test::random_pixels;
using test::random_vit;
using test::RandomVitSpec;

namespace {

namespace fs = std::filesystem;

// Every layer's rows, gathered from a streamed forward pass into the stored layout.
struct StreamedRows {
  std::vector<int> layers_seen;
  Tensor attention;

  LayerAttentionConsumer consumer(int num_layers) {
    return [this, num_layers](int layer, const Tensor& rows) {
      REQUIRE(rows.rank() == 3);
      if (attention.empty()) attention = Tensor({num_layers, rows.dim(0), rows.dim(1), rows.dim(2)});
      std::copy(rows.data.begin(), rows.data.end(), attention.data.begin() + layer * static_cast<int64_t>(rows.data.size()));
      layers_seen.push_back(layer);
    };
  }
};

// The CPU reference and the CPU backend, then the first Vulkan device if there is one.
std::vector<DeviceInfo> devices_to_check() {
  std::vector<DeviceInfo> devices = {choose_device("reference"), choose_device("cpu")};
  if (const auto vulkan = first_vulkan_device()) devices.push_back(*vulkan);
  return devices;
}

}  // namespace

TEST_CASE("attention rows split over several read-back buffers equal the single-buffer rows", "[vulkan][attention]") {
  const auto device = first_vulkan_device();
  if (!device) return;
  const auto model = random_vit({});  // 2 layers, 4 heads, 17 tokens at 32 x 32
  const Tensor pixels = random_pixels(32, 32);
  const auto one_head = uint64_t{17} * 17 * 4;
  const ForwardOutput whole = make_backend(model, *device)->forward(pixels, AttentionRequest::all());
  const ForwardOutput some_whole = make_backend(model, *device)->forward(pixels, AttentionRequest::selected({5, 0}));
  // A band per layer; two heads of a layer per band; one head per band.
  for (const uint64_t limit : {one_head * 4 + 100, one_head * 2 + 100, one_head + 4}) {
    INFO("binding limit " << limit << " bytes");
    BackendOptions options;
    options.max_binding_bytes = limit;
    auto split = make_backend(model, *device, options);
    const ForwardOutput all = split->forward(pixels, AttentionRequest::all());
    CHECK(all.attention.shape == whole.attention.shape);
    CHECK(all.attention.data == whole.attention.data);
    CHECK(all.logits.data == whole.logits.data);
    const ForwardOutput some = split->forward(pixels, AttentionRequest::selected({5, 0}));
    CHECK(some.attention.data == some_whole.attention.data);
  }
}

TEST_CASE("a device that cannot hold one head's attention rows says how large they are and which device can",
          "[vulkan][attention]") {
  const auto device = first_vulkan_device();
  if (!device) return;
  BackendOptions options;
  options.max_binding_bytes = 1000;  // one head's 17 x 17 rows are 1,156 bytes
  auto backend = make_backend(random_vit({}), *device, options);
  CHECK_THROWS_WITH(backend->forward(random_pixels(32, 32), AttentionRequest::all()),
                    Catch::Contains("storage-buffer range") && Catch::Contains("MiB") && Catch::Contains("--device cpu"));
}

TEST_CASE("a streamed forward pass hands over every layer's rows in order, equal to the stored rows, and stores none",
          "[attention]") {
  const auto model = random_vit({});
  const Tensor pixels = random_pixels(32, 40);
  const std::vector<DeviceInfo> devices = devices_to_check();
  for (const DeviceInfo& device : devices) {
    for (const uint64_t limit : {uint64_t{0}, uint64_t{2000}}) {  // 2,000: one head of 21 x 21 rows per band
      INFO(device.name << ", binding limit " << limit);
      BackendOptions options;
      options.max_binding_bytes = limit;
      auto backend = make_backend(model, device, options);
      for (const AttentionRequest& request : {AttentionRequest::all(), AttentionRequest::selected({7, 0})}) {
        const ForwardOutput stored = backend->forward(pixels, request);
        StreamedRows streamed;
        const ForwardOutput out = backend->forward(pixels, request.streamed(streamed.consumer(2)));
        CHECK(out.attention.empty());
        CHECK(out.attention_queries == stored.attention_queries);
        CHECK(streamed.layers_seen == std::vector<int>{0, 1});
        CHECK(streamed.attention.shape == stored.attention.shape);
        CHECK(streamed.attention.data == stored.attention.data);
        CHECK(out.logits.data == stored.logits.data);
      }
    }
  }
}

TEST_CASE("rollout accumulated layer by layer from a streamed forward pass equals the rollout of the stored rows",
          "[attention]") {
  RandomVitSpec spec;
  spec.layers = 3;
  spec.prefix = 2;
  const auto model = random_vit(spec);
  const Tensor pixels = random_pixels(32, 40);
  const TokenLayout layout = token_layout(model->config, 32, 40);
  const std::vector<DeviceInfo> devices = devices_to_check();
  MapSelection selection;
  selection.queries = {QueryToken::parse("cls"), QueryToken::parse("token:1"), QueryToken::parse("patch:2,3")};
  selection.fusion = HeadFusion::Max;
  selection.heads = {0, 2, 3};
  for (const DeviceInfo& device : devices) {
    INFO(device.name);
    Session session(model, device);
    const AttentionMaps stored = attention_rollout(session.run(pixels, AttentionRequest::all()), layout, selection, 0.3);
    RolloutAccumulator rollout(layout, selection, 0.3, spec.layers, spec.heads);
    const ForwardOutput out = session.run(pixels, rollout.request({0, 9}));
    const AttentionMaps streamed = rollout.maps();
    CHECK(out.attention.empty());
    CHECK(streamed.layers == stored.layers);
    CHECK(streamed.heads == std::vector<std::string>{"max"});
    CHECK(streamed.query_tokens == stored.query_tokens);
    REQUIRE(streamed.values.shape == stored.values.shape);
    // The stored rows are rolled out from the last layer down, the streamed ones forward
    // through the whole product: the same sums in another order.
    float worst = 0;
    for (size_t i = 0; i < stored.values.data.size(); ++i)
      worst = std::max(worst, std::abs(streamed.values.data[i] - stored.values.data[i]));
    CHECK(worst <= 1e-6f);
    REQUIRE(rollout.kept_rows().shape == std::vector<int64_t>{3, 4, 2, layout.tokens()});
  }
}

TEST_CASE("streamed rollout of the fixture ViT equals the PyTorch rollout", "[attention]") {
  const fs::path folder = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / "hf_vit";
  const auto model = std::make_shared<const Model>(load_model(folder.string()));
  const TensorStore expected = TensorStore::open_file((folder / "expected_40x56.safetensors").string());
  const Tensor reference = TensorStore::open_file((folder / "rollout_40x56.safetensors").string()).read("rollout_mean");
  const Tensor pixels = expected.read("pixel_values");
  const TokenLayout layout = token_layout(model->config, 40, 56);
  const std::vector<DeviceInfo> devices = devices_to_check();
  for (const DeviceInfo& device : devices) {
    INFO(device.name);
    Session session(model, device);
    MapSelection selection;
    selection.layers = {model->config.num_layers - 1};
    RolloutAccumulator rollout(layout, selection, 0.0, model->config.num_layers, model->config.num_heads);
    session.run(pixels, rollout.request());
    const AttentionMaps maps = rollout.maps();
    const float* row = reference.ptr() + layout.first_patch();  // CLS's row
    double worst = 0;
    for (int i = 0; i < layout.patches(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(maps.map(0, 0, 0).ptr<float>()[i]) - row[i]));
    CHECK(worst <= 1e-5);
  }
}
