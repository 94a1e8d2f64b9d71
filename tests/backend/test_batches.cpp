// Batches: several images in one forward pass give each image what it gets alone, on every
// model family the CPU backend runs; a batch asks for images of one size; and BatchQueue runs
// a stream of images in batches of what the device prefers, handing results back in order.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/random_model.hpp"
#include "support/tensor_compare.hpp"
#include "vitlens/backend/batch_queue.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using test::max_abs_diff;
using test::random_pixels;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures";

std::shared_ptr<const Model> load(const std::string& relative) {
  return std::make_shared<const Model>(load_model((kFixtures / relative).string()));
}

std::vector<Tensor> images_of(int height, int width, int count) {
  std::vector<Tensor> images;
  for (int i = 0; i < count; ++i) images.push_back(random_pixels(height, width, 11 + static_cast<unsigned>(i)));
  return images;
}

void check_same_output(const ForwardOutput& batched, const ForwardOutput& alone) {
  CHECK(max_abs_diff(batched.logits, alone.logits) <= 1e-4);
  CHECK(max_abs_diff(batched.hidden_state, alone.hidden_state) <= 1e-4);
  CHECK(max_abs_diff(batched.embedding, alone.embedding) <= 1e-4);
  CHECK(max_abs_diff(batched.probe_attention, alone.probe_attention) <= 1e-5);
  CHECK(max_abs_diff(batched.detection_logits, alone.detection_logits) <= 1e-4);
  CHECK(max_abs_diff(batched.detection_boxes, alone.detection_boxes) <= 1e-5);
  CHECK(max_abs_diff(batched.attention, alone.attention) <= 1e-5);
  CHECK(batched.attention_queries == alone.attention_queries);
}

BackendOptions two_threads() {
  BackendOptions options;
  options.threads = 2;
  return options;
}

DeviceInfo device(DeviceKind kind) {
  for (const DeviceInfo& d : list_devices())
    if (d.kind == kind) return d;
  FAIL("no device of that kind");
  return {};
}

}  // namespace

TEST_CASE("a batch on the CPU backend gives each image what it gets alone, for every family", "[cpu][batch]") {
  // BEiT's relative position bias, DINOv2's registers and SwiGLU, CLIP's pre-norm and
  // projection, SigLIP's probe, DeiT's two heads, YOLOS's detection tokens and its
  // mid-position embeddings: whatever is per image stays per image.
  const char* models[] = {"families/hf_beit",   "families/hf_dinov2_reg_swiglu", "families/hf_clip",
                          "families/hf_siglip", "hf_deit_distilled",             "yolos/yolos_mid"};
  for (const char* name : models) {
    SECTION(name) {
      const auto model = load(name);
      const auto backend = make_cpu_backend(model, 2);
      const int p = model->config.patch_size;
      const std::vector<Tensor> images = images_of(3 * p, 4 * p, 3);
      for (const AttentionRequest& request : {AttentionRequest::all(), AttentionRequest::selected({0, 2}), AttentionRequest::none()}) {
        const std::vector<ForwardOutput> batched = backend->forward(images, request);
        REQUIRE(batched.size() == images.size());
        for (size_t i = 0; i < images.size(); ++i) check_same_output(batched[i], backend->forward(images[i], request));
      }
    }
  }
}

TEST_CASE("a batch holds images of one size; other backends run a batch image by image", "[cpu][batch]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));
  const std::vector<Tensor> mixed = {random_pixels(32, 32), random_pixels(32, 40)};
  for (const auto& backend : {make_cpu_backend(model, 2), make_reference_backend(model)})
    CHECK_THROWS_AS(backend->forward(mixed, AttentionRequest::none()), Error);

  const std::vector<Tensor> images = images_of(32, 40, 2);
  const auto reference = make_reference_backend(model);
  const std::vector<ForwardOutput> outputs = reference->forward(images, AttentionRequest::all());
  REQUIRE(outputs.size() == 2);
  check_same_output(outputs[1], reference->forward(images[1], AttentionRequest::all()));
  CHECK(reference->preferred_batch(32, 40) == 1);
}

TEST_CASE("the CPU backend prefers batches for short sequences and single images for long ones", "[cpu][batch]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));  // 8-pixel patches, 1 prefix token
  const auto backend = make_cpu_backend(model, 2);
  CHECK(backend->preferred_batch(32, 32) == 8);     // 17 tokens: as many as it takes
  CHECK(backend->preferred_batch(112, 112) == 5);   // 197 tokens, a ViT-B/16 at 224: about a thousand rows
  CHECK(backend->preferred_batch(184, 184) == 1);   // 530 tokens: two images would be over a thousand
}

TEST_CASE("a streamed attention request runs image by image, each image's layers in order", "[cpu][batch]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));
  const auto backend = make_cpu_backend(model, 2);
  std::vector<int> layers;
  const AttentionRequest streamed = AttentionRequest::all().streamed([&](int layer, const Tensor&) { layers.push_back(layer); });
  const std::vector<ForwardOutput> outputs = backend->forward(images_of(32, 32, 2), streamed);
  CHECK(outputs.size() == 2);
  CHECK(layers == std::vector<int>{0, 1, 0, 1});
}

TEST_CASE("BatchQueue runs full batches, closes one when the size changes, and keeps push order", "[cpu][batch]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));
  Session session(model, device(DeviceKind::Cpu), two_threads());
  BatchQueue queue(session, 3);
  std::vector<size_t> order;
  std::vector<int> batches;
  const auto take = [&](std::vector<BatchQueue::Result> done) {
    for (const BatchQueue::Result& r : done) {
      REQUIRE_FALSE(r.error);
      order.push_back(r.id);
      batches.push_back(r.batch);
      const Tensor image = r.id < 4 ? images_of(32, 32, 4)[r.id] : images_of(32, 40, 2)[r.id - 4];
      CHECK(max_abs_diff(r.output.logits, session.run(image).logits) <= 1e-4);
    }
  };
  for (size_t i = 0; i < 4; ++i) {
    const auto done = queue.push(i, images_of(32, 32, 4)[i]);
    CHECK(done.size() == (i == 2 ? 3u : 0u));  // the third image fills the batch
    take(done);
  }
  const auto closed = queue.push(4, images_of(32, 40, 2)[0]);  // another size: the waiting image runs alone
  CHECK(closed.size() == 1);
  take(closed);
  CHECK(queue.push(5, images_of(32, 40, 2)[1]).empty());
  take(queue.flush());
  CHECK(queue.flush().empty());
  CHECK(order == std::vector<size_t>{0, 1, 2, 3, 4, 5});
  CHECK(batches == std::vector<int>{3, 3, 3, 1, 2, 2});
}

TEST_CASE("BatchQueue reports a failed pass against each image of its batch and goes on", "[cpu][batch]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));
  Session session(model, device(DeviceKind::Cpu), two_threads());
  BatchQueue queue(session);  // the device's preference: 8 images of 17 tokens

  // Not whole patches: the model has no batch size for it, so it runs alone, at once.
  const auto bad = queue.push(0, random_pixels(30, 30));
  REQUIRE(bad.size() == 1);
  CHECK_THROWS_WITH(std::rethrow_exception(bad[0].error), Catch::Matchers::Contains("patch"));

  CHECK(queue.push(1, random_pixels(32, 32, 1)).empty());
  CHECK(queue.push(2, random_pixels(32, 32, 2)).empty());
  const auto rest = queue.flush();
  REQUIRE(rest.size() == 2);
  for (const BatchQueue::Result& r : rest) {
    CHECK_FALSE(r.error);
    CHECK(r.batch == 2);
    CHECK(r.output.logits.numel() == 10);
  }
}
