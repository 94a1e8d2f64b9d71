#include "vitlens/backend/forward.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

std::vector<ForwardOutput> ForwardBackend::forward(const std::vector<Tensor>& images, const AttentionRequest& attention) {
  check_one_size(images);
  std::vector<ForwardOutput> outputs;
  outputs.reserve(images.size());
  for (const Tensor& image : images) outputs.push_back(forward(image, attention));
  return outputs;
}

int ForwardBackend::preferred_batch(int, int) const { return 1; }

void ForwardBackend::check_one_size(const std::vector<Tensor>& images) {
  for (const Tensor& image : images)
    if (image.shape != images.front().shape)
      throw Error("a batch holds images of one size, not " + shape_string(images.front().shape) + " and " +
                  shape_string(image.shape));
}

}  // namespace vitlens
