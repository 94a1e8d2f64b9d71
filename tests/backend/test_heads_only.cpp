// A forward pass that asks only for the heads' outputs (AttentionRequest::heads_only, what
// classify, detect, eval and bench ask for): the CPU backend runs the last layer on the rows
// the heads read and gives the same logits, embedding and detections as a full pass.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "backend/host/heads.hpp"
#include "support/random_model.hpp"
#include "support/tensor_compare.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/checkpoint/load.hpp"

using namespace vitlens;
using test::max_abs_diff;
using test::random_pixels;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const Model> load(const std::string& relative) {
  return std::make_shared<const Model>(load_model((fs::path(VITLENS_SOURCE_DIR) / "tests" / "fixtures" / relative).string()));
}

using Rows = std::vector<std::pair<int, int>>;

}  // namespace

TEST_CASE("the heads read the pooled tokens and a detector's detection tokens, or every row", "[cpu]") {
  CHECK(cpu::rows_read_by_heads(*load("hf_vit"), 17) == Rows{{0, 1}});
  CHECK(cpu::rows_read_by_heads(*load("hf_deit_distilled"), 18) == Rows{{0, 2}});  // CLS and distillation heads
  const auto yolos = load("yolos/yolos_mid");
  const int detection = yolos->config.num_detection_tokens;
  CHECK(cpu::rows_read_by_heads(*yolos, 60) == Rows{{0, 1}, {60 - detection, detection}});  // CLS gives the embedding
  CHECK(cpu::rows_read_by_heads(*load("families/hf_beit"), 17).empty());               // mean pooling
  CHECK(cpu::rows_read_by_heads(*load("families/hf_dinov2_reg_swiglu"), 21).empty());  // [CLS, patch mean]
  CHECK(cpu::rows_read_by_heads(*load("families/hf_siglip"), 16).empty());             // the probe reads every token
}

TEST_CASE("a heads-only pass on the CPU backend gives the full pass's outputs, without the hidden state", "[cpu]") {
  const char* models[] = {"hf_vit", "hf_deit_distilled", "families/hf_clip", "families/hf_beit", "families/hf_siglip",
                          "families/hf_dinov2_reg_swiglu", "yolos/yolos_mid", "yolos/yolos_coco"};
  for (const char* name : models) {
    SECTION(name) {
      const auto model = load(name);
      const auto backend = make_cpu_backend(model, 2);
      const int p = model->config.patch_size;
      const Tensor pixels = random_pixels(4 * p, 3 * p, 5);
      const ForwardOutput full = backend->forward(pixels, AttentionRequest::none());
      const ForwardOutput heads = backend->forward(pixels, AttentionRequest::heads_only());
      CHECK(max_abs_diff(heads.logits, full.logits) <= 1e-5);
      CHECK(max_abs_diff(heads.embedding, full.embedding) <= 1e-5);
      CHECK(max_abs_diff(heads.probe_attention, full.probe_attention) <= 1e-6);
      CHECK(max_abs_diff(heads.detection_logits, full.detection_logits) <= 1e-5);
      CHECK(max_abs_diff(heads.detection_boxes, full.detection_boxes) <= 1e-6);
      const bool pruned = !cpu::rows_read_by_heads(*model, static_cast<int>(full.hidden_state.dim(0))).empty();
      CHECK(heads.hidden_state.empty() == pruned);
      if (!pruned) CHECK(max_abs_diff(heads.hidden_state, full.hidden_state) == 0.0);

      // A batch does the same for each image.
      const std::vector<ForwardOutput> batch = backend->forward({pixels, random_pixels(4 * p, 3 * p, 6)}, AttentionRequest::heads_only());
      CHECK(max_abs_diff(batch[0].logits, full.logits) <= 1e-5);
      CHECK(max_abs_diff(batch[0].detection_boxes, full.detection_boxes) <= 1e-5);
      CHECK(max_abs_diff(batch[1].embedding, backend->forward(random_pixels(4 * p, 3 * p, 6), AttentionRequest::none()).embedding) <= 1e-5);
    }
  }
}

TEST_CASE("asking for attention rows or the hidden state keeps the whole last layer", "[cpu]") {
  const auto model = std::const_pointer_cast<const Model>(test::random_vit({}));
  const auto backend = make_cpu_backend(model, 2);
  const Tensor pixels = random_pixels(32, 32);
  AttentionRequest rows = AttentionRequest::selected({0, 5});
  rows.hidden_state = false;
  const ForwardOutput with_rows = backend->forward(pixels, rows);
  CHECK(with_rows.hidden_state.dim(0) == 17);
  CHECK(with_rows.attention.shape == std::vector<int64_t>{2, 4, 2, 17});
  CHECK(backend->forward(pixels, AttentionRequest::none()).hidden_state.dim(0) == 17);
  CHECK(make_reference_backend(model)->forward(pixels, AttentionRequest::heads_only()).hidden_state.dim(0) == 17);  // may keep it
}
