#include "backend/vulkan/pipeline.hpp"

#include "backend/vulkan/vk_check.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens_shader_registry.hpp"

namespace vitlens::vk {
namespace {

VkDescriptorType descriptor_type(BindingKind kind) {
  return kind == BindingKind::Texel ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

}  // namespace

Pipeline::Pipeline(std::shared_ptr<Context> ctx, PipelineDesc desc) : ctx_(std::move(ctx)), desc_(std::move(desc)) {
  VkDevice device = ctx_->device();
  const auto code = shaders::find(desc_.shader);
  if (code.empty()) throw Error("internal: no embedded shader named '" + desc_.shader + "'");

  std::vector<VkDescriptorSetLayoutBinding> bindings;
  for (uint32_t i = 0; i < desc_.bindings.size(); ++i)
    bindings.push_back({i, descriptor_type(desc_.bindings[i]), 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = static_cast<uint32_t>(bindings.size());
  set_info.pBindings = bindings.data();
  check(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout_), "vkCreateDescriptorSetLayout");

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, desc_.push_bytes};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout_;
  layout_info.pushConstantRangeCount = desc_.push_bytes ? 1 : 0;
  layout_info.pPushConstantRanges = &push;
  check(vkCreatePipelineLayout(device, &layout_info, nullptr, &layout_), "vkCreatePipelineLayout");

  VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  module_info.codeSize = code.size_bytes();
  module_info.pCode = code.data();
  VkShaderModule module = VK_NULL_HANDLE;
  check(vkCreateShaderModule(device, &module_info, nullptr, &module), "vkCreateShaderModule");

  std::vector<VkSpecializationMapEntry> entries;
  for (uint32_t i = 0; i < desc_.spec.size(); ++i) entries.push_back({i, i * 4u, 4});
  VkSpecializationInfo spec{static_cast<uint32_t>(entries.size()), entries.data(), desc_.spec.size() * 4,
                            desc_.spec.data()};
  VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = desc_.spec.empty() ? nullptr : &spec;
  info.layout = layout_;
  const VkResult result = vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline_);
  vkDestroyShaderModule(device, module, nullptr);
  check(result, ("vkCreateComputePipelines(" + desc_.shader + ")").c_str());
}

Pipeline::~Pipeline() {
  VkDevice device = ctx_->device();
  vkDestroyPipeline(device, pipeline_, nullptr);
  vkDestroyPipelineLayout(device, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device, set_layout_, nullptr);
}

}  // namespace vitlens::vk
