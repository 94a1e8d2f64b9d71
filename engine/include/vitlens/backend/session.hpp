#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/forward.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens {

// Which Vulkan kernel family to use. Auto picks by device type: texel-buffer kernels for
// CPU implementations such as lavapipe, shared-memory tiled kernels for GPUs.
enum class KernelFamily { Auto, Texel, Tiled };

struct BackendOptions {
  KernelFamily kernels = KernelFamily::Auto;
  bool profile = false;  // fill ForwardOutput::op_times_ms (Vulkan timestamps per shader)
  // Vulkan: the largest attention read-back band in bytes; 0 means the device's storage-buffer
  // range. A lower value makes a small model split its read-back as a large one must (tests).
  uint64_t max_binding_bytes = 0;
  // The CPU backend's threads; 0: VITLENS_THREADS, else every physical core.
  int threads = 0;
};

// A forward backend on the chosen device: the CPU backend, the CPU reference or Vulkan.
std::unique_ptr<ForwardBackend> make_backend(std::shared_ptr<const Model> model, const DeviceInfo& device,
                                             const BackendOptions& options = {});

struct Prediction {
  int index = 0;
  std::string label;
  float probability = 0;
};

// The k most probable classes (softmax over the logits), most probable first.
std::vector<Prediction> top_k(const Tensor& logits, const std::vector<std::string>& labels, int k);

// A model on a device, ready to run images: the object the GUI and the CLI both hold.
// run() may be called from several threads (the GUI's still images and live mode share a
// session); calls are serialised, since a device graph runs one input at a time.
// A run that fails (vitlens::Error) leaves the session usable. When the device is lost
// (vitlens::DeviceLost) the session drops its backend and builds a new one on the next run.
class Session {
 public:
  Session(std::shared_ptr<const Model> model, const DeviceInfo& device, const BackendOptions& options = {});

  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& shared_model() const { return model_; }
  const DeviceInfo& device() const { return device_; }

  // Pre-processes an 8-bit RGB image with the model's configuration and runs it.
  ForwardOutput run(const cv::Mat& rgb, const AttentionRequest& attention = {});
  // The same at a requested input size (input_plan); throws what input_plan throws.
  ForwardOutput run(const cv::Mat& rgb, const InputOptions& input, const AttentionRequest& attention = {});
  ForwardOutput run(const Tensor& pixels, const AttentionRequest& attention = {});
  // Pre-processed images of one size in one call (ForwardBackend::forward(images)): the
  // device runs them together where that gives more images per second.
  std::vector<ForwardOutput> run_batch(const std::vector<Tensor>& images, const AttentionRequest& attention = {});
  // How many images of height x width run_batch should get at once (ForwardBackend::preferred_batch).
  int preferred_batch(int height, int width);
  // The forward pass with the gradient of one logit (ForwardBackend::explain).
  Explanation explain(const Tensor& pixels, const LogitTarget& target);

 private:
  template <class Call>
  auto on_backend(Call&& call);

  std::shared_ptr<const Model> model_;
  DeviceInfo device_;
  BackendOptions options_;
  std::unique_ptr<ForwardBackend> backend_;  // null after a lost device, until the next run
  std::mutex run_mutex_;
};

}  // namespace vitlens
