#pragma once
#include <memory>

#include "vitlens/backend/forward.hpp"
#include "vitlens/backend/session.hpp"

namespace vitlens {

// The Vulkan compute engine on physical device `device_index`: weights uploaded once, one
// recorded graph per input size and attention request.
std::unique_ptr<ForwardBackend> make_vulkan_backend(std::shared_ptr<const Model> model, int device_index,
                                                    const BackendOptions& options);

}  // namespace vitlens
