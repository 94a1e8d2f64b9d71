#include "backend/vulkan/backend.hpp"

#include <algorithm>
#include <list>
#include <tuple>

#include "backend/vulkan/context.hpp"
#include "backend/vulkan/device_weights.hpp"
#include "backend/vulkan/explain_graph.hpp"
#include "backend/vulkan/kernels.hpp"
#include "backend/vulkan/vit_graph.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

// Live video alternates between at most a couple of sizes and requests; keep a few graphs.
constexpr size_t kGraphCacheSize = 4;

struct GraphKey {
  int grid_h, grid_w;
  AttentionRequest::Rows rows;
  std::vector<int> tokens;
  bool streamed;
  bool operator==(const GraphKey& o) const {
    return std::tie(grid_h, grid_w, rows, tokens, streamed) == std::tie(o.grid_h, o.grid_w, o.rows, o.tokens, o.streamed);
  }
};

class VulkanBackend final : public ForwardBackend {
 public:
  VulkanBackend(std::shared_ptr<const Model> model, int device_index, const BackendOptions& options)
      : model_(std::move(model)),
        ctx_(vk::Context::create(device_index)),
        kernels_(ctx_, options.kernels),
        weights_(ctx_, *model_, kernels_.weight_interleave()),
        profile_(options.profile),
        max_binding_bytes_(options.max_binding_bytes ? std::min<VkDeviceSize>(options.max_binding_bytes, ctx_->max_binding_bytes())
                                                     : ctx_->max_binding_bytes()) {}

  std::string device_name() const override {
    return ctx_->name() + (kernels_.family() == KernelFamily::Texel ? " (Vulkan, texel kernels)" : " (Vulkan, tiled kernels)");
  }

  using ForwardBackend::forward;  // a batch runs image by image

  ForwardOutput forward(const Tensor& pixels, const AttentionRequest& attention) override {
    const auto [gh, gw] = grid_of(pixels);
    GraphKey key{gh, gw, attention.rows,
                 attention.rows == AttentionRequest::Rows::Selected ? attention.query_tokens : std::vector<int>{},
                 static_cast<bool>(attention.per_layer)};
    return graph_for(key, attention).run(pixels, attention.per_layer);
  }

  // The transposed weights and the graph of the last explained size are made on first use
  // and kept: explaining one image after another (the app, batch exports) reuses them.
  Explanation explain(const Tensor& pixels, const LogitTarget& target) override {
    const auto grid = grid_of(pixels);
    if (!gradient_weights_) gradient_weights_ = std::make_unique<vk::DeviceGradientWeights>(ctx_, *model_, kernels_.weight_interleave());
    if (!explainer_ || explained_grid_ != grid) {
      explainer_.reset();
      explainer_ = std::make_unique<vk::ExplainGraph>(ctx_, kernels_, weights_, *gradient_weights_, *model_, grid.first, grid.second,
                                                      max_binding_bytes_);
      explained_grid_ = grid;
    }
    return explainer_->run(pixels, target);
  }

 private:
  std::pair<int, int> grid_of(const Tensor& pixels) const {
    const VitConfig& c = model_->config;
    if (pixels.rank() != 3 || pixels.dim(0) != c.num_channels)
      throw Error("input must be [" + std::to_string(c.num_channels) + ", H, W], got " + shape_string(pixels.shape));
    const auto H = pixels.dim(1), W = pixels.dim(2);
    if (H < c.patch_size || W < c.patch_size || H % c.patch_size || W % c.patch_size)
      throw Error("input size " + std::to_string(H) + "x" + std::to_string(W) +
                  " is not a positive multiple of the patch size " + std::to_string(c.patch_size));
    return {static_cast<int>(H / c.patch_size), static_cast<int>(W / c.patch_size)};
  }

  vk::VitGraph& graph_for(const GraphKey& key, const AttentionRequest& attention) {
    for (auto it = graphs_.begin(); it != graphs_.end(); ++it)
      if (it->first == key) {
        graphs_.splice(graphs_.begin(), graphs_, it);
        return *graphs_.front().second;
      }
    if (graphs_.size() >= kGraphCacheSize) graphs_.pop_back();
    graphs_.emplace_front(key, std::make_unique<vk::VitGraph>(ctx_, kernels_, weights_, *model_, key.grid_h,
                                                              key.grid_w, attention, profile_, max_binding_bytes_));
    return *graphs_.front().second;
  }

  std::shared_ptr<const Model> model_;
  std::shared_ptr<vk::Context> ctx_;
  vk::Kernels kernels_;
  vk::DeviceWeights weights_;
  bool profile_;
  VkDeviceSize max_binding_bytes_;
  std::list<std::pair<GraphKey, std::unique_ptr<vk::VitGraph>>> graphs_;  // most recent first
  std::unique_ptr<vk::DeviceGradientWeights> gradient_weights_;
  std::unique_ptr<vk::ExplainGraph> explainer_;
  std::pair<int, int> explained_grid_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_vulkan_backend(std::shared_ptr<const Model> model, int device_index,
                                                    const BackendOptions& options) {
  return std::make_unique<VulkanBackend>(std::move(model), device_index, options);
}

}  // namespace vitlens
