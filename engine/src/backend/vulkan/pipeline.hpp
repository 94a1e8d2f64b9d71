#pragma once
#include <memory>
#include <string>
#include <vector>

#include <vulkan/vulkan.h>

#include "backend/vulkan/context.hpp"

namespace vitlens::vk {

enum class BindingKind { Storage, Texel };

// A compute shader from shaders/ made into a pipeline: its descriptor layout (one set,
// bindings 0..n-1 of the given kinds), push-constant size and specialization constants
// (constant_id i takes spec[i]; id 0 is the workgroup size).
struct PipelineDesc {
  std::string shader;
  std::vector<BindingKind> bindings;
  uint32_t push_bytes = 0;
  std::vector<uint32_t> spec;
};

class Pipeline {
 public:
  Pipeline(std::shared_ptr<Context> ctx, PipelineDesc desc);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  const PipelineDesc& desc() const { return desc_; }
  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  std::shared_ptr<Context> ctx_;
  PipelineDesc desc_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace vitlens::vk
