#pragma once
#include <string>

#include <vulkan/vulkan.h>

namespace vitlens::vk {

const char* result_name(VkResult result);

// Throws vitlens::Error "Vulkan: <what> failed: <VK_ERROR_...>" unless result is VK_SUCCESS.
void check(VkResult result, const char* what);

}  // namespace vitlens::vk
