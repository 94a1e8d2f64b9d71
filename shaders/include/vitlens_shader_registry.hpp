#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vitlens::shaders {
// SPIR-V words of the compute shader shaders/<name>.comp, empty if there is none.
std::span<const uint32_t> find(std::string_view name);
}  // namespace vitlens::shaders
