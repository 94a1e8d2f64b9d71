#include "vitlens/backend/forward.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

Explanation ForwardBackend::explain(const Tensor&, const LogitTarget&) {
  throw Error(device_name() + " computes no gradients yet: class-specific relevance and Grad-CAM run with --device cpu or --device reference");
}

}  // namespace vitlens
