#include "backend/vulkan/recording.hpp"

#include <algorithm>
#include <utility>

#include "backend/vulkan/vk_check.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::vk {
namespace {

constexpr uint32_t kSetsPerPool = 256;
constexpr uint32_t kMaxBindingsPerSet = 8;
constexpr uint32_t kMaxTimestamps = 8192;

}  // namespace

Recording::Recording(std::shared_ptr<Context> ctx, bool profile) : ctx_(std::move(ctx)) {
  begin_segment();
  if (profile && ctx_->properties().limits.timestampComputeAndGraphics) {
    VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = kMaxTimestamps;
    check(vkCreateQueryPool(ctx_->device(), &info, nullptr, &queries_), "vkCreateQueryPool");
    vkCmdResetQueryPool(cb_, queries_, 0, kMaxTimestamps);
    vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 0);
  }
}

Recording::~Recording() {
  VkDevice device = ctx_->device();
  for (VkCommandBuffer cb : segments_) ctx_->free_command_buffer(cb);
  for (auto view : views_) vkDestroyBufferView(device, view, nullptr);
  for (auto pool : pools_) vkDestroyDescriptorPool(device, pool, nullptr);
  if (queries_) vkDestroyQueryPool(device, queries_, nullptr);
}

void Recording::timestamp(std::string label) {
  if (!next_label_.empty()) label.append(":").append(std::exchange(next_label_, {}));
  if (!queries_ || labels_.size() + 1 >= kMaxTimestamps) return;
  labels_.push_back(std::move(label));
  vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, static_cast<uint32_t>(labels_.size()));
}

std::vector<std::pair<std::string, double>> Recording::op_times() const {
  std::vector<std::pair<std::string, double>> totals;
  if (!queries_ || labels_.empty()) return totals;
  std::vector<uint64_t> ticks(labels_.size() + 1);
  check(vkGetQueryPoolResults(ctx_->device(), queries_, 0, static_cast<uint32_t>(ticks.size()),
                              ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  const double ms_per_tick = ctx_->properties().limits.timestampPeriod * 1e-6;
  for (size_t i = 0; i < labels_.size(); ++i) {
    const double ms = static_cast<double>(ticks[i + 1] - ticks[i]) * ms_per_tick;
    auto it = std::find_if(totals.begin(), totals.end(), [&](const auto& t) { return t.first == labels_[i]; });
    if (it == totals.end())
      totals.emplace_back(labels_[i], ms);
    else
      it->second += ms;
  }
  return totals;
}

VkDescriptorSet Recording::allocate_set(const Pipeline& pipeline) {
  VkDevice device = ctx_->device();
  if (sets_left_ == 0) {
    const VkDescriptorPoolSize sizes[] = {
        {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kMaxBindingsPerSet},
        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, kSetsPerPool * kMaxBindingsPerSet},
    };
    VkDescriptorPoolCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    info.maxSets = kSetsPerPool;
    info.poolSizeCount = 2;
    info.pPoolSizes = sizes;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    check(vkCreateDescriptorPool(device, &info, nullptr, &pool), "vkCreateDescriptorPool");
    pools_.push_back(pool);
    sets_left_ = kSetsPerPool;
  }
  VkDescriptorSetLayout layout = pipeline.set_layout();
  VkDescriptorSetAllocateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  info.descriptorPool = pools_.back();
  info.descriptorSetCount = 1;
  info.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  check(vkAllocateDescriptorSets(device, &info, &set), "vkAllocateDescriptorSets");
  --sets_left_;
  return set;
}

VkBufferView Recording::texel_view(const Slice& slice) {
  if (slice.offset % ctx_->properties().limits.minTexelBufferOffsetAlignment != 0)
    throw Error("internal: texel view at a misaligned offset");
  VkBufferViewCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  info.buffer = slice.buffer->handle();
  info.format = VK_FORMAT_R32G32B32A32_SFLOAT;
  info.offset = slice.offset;
  // Whole texels: the last one may run into the arena's alignment padding, never past the buffer.
  info.range = std::min((slice.bytes + 15) / 16 * 16, (slice.buffer->bytes() - slice.offset) / 16 * 16);
  if (info.range > ctx_->max_texel_bytes())
    throw Error("tensor of " + std::to_string(slice.bytes >> 20) + " MiB exceeds the device's texel-buffer limit (" +
                std::to_string(ctx_->max_texel_bytes() >> 20) + " MiB); use a smaller input size or --device cpu");
  VkBufferView view = VK_NULL_HANDLE;
  check(vkCreateBufferView(ctx_->device(), &info, nullptr, &view), "vkCreateBufferView");
  views_.push_back(view);
  return view;
}

void Recording::dispatch_raw(const Pipeline& pipeline, std::initializer_list<Slice> slices, const void* push,
                             uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  const auto& kinds = pipeline.desc().bindings;
  if (slices.size() != kinds.size()) throw Error("internal: wrong binding count for " + pipeline.desc().shader);
  if (push_bytes != pipeline.desc().push_bytes) throw Error("internal: wrong push size for " + pipeline.desc().shader);
  const VkDescriptorSet set = allocate_set(pipeline);

  std::vector<VkDescriptorBufferInfo> buffers(slices.size());
  std::vector<VkBufferView> views(slices.size());
  std::vector<VkWriteDescriptorSet> writes;
  uint32_t i = 0;
  for (const Slice& s : slices) {
    if (s.bytes > ctx_->max_binding_bytes())
      throw Error("tensor of " + std::to_string(s.bytes >> 20) + " MiB exceeds the device's storage-buffer range (" +
                  std::to_string(ctx_->max_binding_bytes() >> 20) + " MiB); use a smaller input size or --device cpu");
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstSet = set;
    w.dstBinding = i;
    w.descriptorCount = 1;
    if (kinds[i] == BindingKind::Texel) {
      views[i] = texel_view(s);
      w.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      w.pTexelBufferView = &views[i];
    } else {
      buffers[i] = {s.buffer->handle(), s.offset, s.bytes};
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &buffers[i];
    }
    writes.push_back(w);
    ++i;
  }
  vkUpdateDescriptorSets(ctx_->device(), static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);

  vkCmdBindPipeline(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle());
  vkCmdBindDescriptorSets(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0, 1, &set, 0, nullptr);
  if (push_bytes) vkCmdPushConstants(cb_, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  vkCmdDispatch(cb_, gx, gy, gz);
  barrier();
  timestamp(pipeline.desc().shader);
  ++dispatches_;
}

void Recording::copy(const Slice& src, const Slice& dst) {
  VkBufferCopy region{src.offset, dst.offset, std::min(src.bytes, dst.bytes)};
  vkCmdCopyBuffer(cb_, src.buffer->handle(), dst.buffer->handle(), 1, &region);
  barrier();
  timestamp("copy");
}

void Recording::barrier() {
  VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                    VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cb_, stages, stages | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void Recording::begin_segment() {
  cb_ = ctx_->allocate_command_buffer();
  segments_.push_back(cb_);
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cb_, &begin), "vkBeginCommandBuffer");
}

void Recording::end_segment() {
  finish();
  begin_segment();
}

void Recording::finish() { check(vkEndCommandBuffer(cb_), "vkEndCommandBuffer"); }

void Recording::submit() const {
  for (size_t i = 0; i < segments_.size(); ++i) submit_segment(i);
}

void Recording::submit_segment(size_t index) const { ctx_->submit_and_wait(segments_.at(index)); }

}  // namespace vitlens::vk
