#include "vitlens/backend/session.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "backend/vulkan/backend.hpp"
#include "vitlens/backend/device_lost.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

std::unique_ptr<ForwardBackend> make_backend(std::shared_ptr<const Model> model, const DeviceInfo& device,
                                             const BackendOptions& options) {
  if (device.kind == DeviceKind::Cpu) return make_cpu_backend(std::move(model), options.threads);
  if (device.kind == DeviceKind::CpuReference) return make_reference_backend(std::move(model));
  return make_vulkan_backend(std::move(model), device.index, options);
}

std::vector<Prediction> top_k(const Tensor& logits, const std::vector<std::string>& labels, int k) {
  const auto n = static_cast<int>(logits.numel());
  if (n == 0) return {};
  const float peak = *std::max_element(logits.data.begin(), logits.data.end());
  std::vector<double> prob(static_cast<size_t>(n));
  double total = 0;
  for (int i = 0; i < n; ++i) total += prob[i] = std::exp(static_cast<double>(logits.data[i]) - peak);
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const int count = std::clamp(k, 0, n);
  std::partial_sort(order.begin(), order.begin() + count, order.end(),
                    [&](int a, int b) { return prob[a] > prob[b] || (prob[a] == prob[b] && a < b); });
  std::vector<Prediction> top;
  for (int i = 0; i < count; ++i) {
    const int c = order[i];
    top.push_back({c, c < static_cast<int>(labels.size()) ? labels[c] : "LABEL_" + std::to_string(c),
                   static_cast<float>(prob[c] / total)});
  }
  return top;
}

Session::Session(std::shared_ptr<const Model> model, const DeviceInfo& device, const BackendOptions& options)
    : model_(std::move(model)), device_(device), options_(options), backend_(make_backend(model_, device_, options_)) {}

template <class Call>
auto Session::on_backend(Call&& call) {
  std::lock_guard lock(run_mutex_);
  if (!backend_) backend_ = make_backend(model_, device_, options_);
  try {
    return call(*backend_);
  } catch (const DeviceLost&) {
    backend_.reset();
    throw;
  }
}

ForwardOutput Session::run(const cv::Mat& rgb, const AttentionRequest& attention) {
  return run(rgb, InputOptions{}, attention);
}

ForwardOutput Session::run(const cv::Mat& rgb, const InputOptions& input, const AttentionRequest& attention) {
  return run(model_input(*model_, rgb, input), attention);
}

ForwardOutput Session::run(const Tensor& pixels, const AttentionRequest& attention) {
  return on_backend([&](ForwardBackend& backend) { return backend.forward(pixels, attention); });
}

std::vector<ForwardOutput> Session::run_batch(const std::vector<Tensor>& images, const AttentionRequest& attention) {
  return on_backend([&](ForwardBackend& backend) { return backend.forward(images, attention); });
}

int Session::preferred_batch(int height, int width) {
  return on_backend([&](ForwardBackend& backend) { return backend.preferred_batch(height, width); });
}

Explanation Session::explain(const Tensor& pixels, const LogitTarget& target) {
  return on_backend([&](ForwardBackend& backend) { return backend.explain(pixels, target); });
}

}  // namespace vitlens
