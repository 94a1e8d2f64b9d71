#include "backend/vulkan/device_weights.hpp"

#include <functional>

namespace vitlens::vk {
namespace {

// Two passes over the same description of the model: one reserves space, one uploads,
// so the arena is allocated exactly once.
struct WeightPlan {
  Arena& arena;
  uint32_t interleave;
  std::vector<std::function<void(Uploader&)>> uploads;

  Slice* pending_slice(Slice& target, Arena::Id id) {
    deferred.push_back({&target, id});
    return &target;
  }
  void resolve() {
    for (auto& [slice, id] : deferred) *slice = arena[id];
  }
  std::vector<std::pair<Slice*, Arena::Id>> deferred;

  void tensor(Slice& target, const Tensor& t) {
    const Arena::Id id = arena.reserve_floats(static_cast<size_t>(t.numel()));
    pending_slice(target, id);
    uploads.push_back([&target, &t](Uploader& up) { up.write(target, t.ptr(), t.data.size() * sizeof(float)); });
  }

  void linear(DeviceLinear& target, const Linear& l) {
    target.out = static_cast<uint32_t>(l.weight.dim(0));
    target.in = static_cast<uint32_t>(l.weight.dim(1));
    target.in_padded = pad4(target.in);
    target.interleave = interleave;
    const Arena::Id w = arena.reserve_floats(target.layout().floats());
    const Arena::Id b = arena.reserve_floats(target.out);
    pending_slice(target.weight, w);
    pending_slice(target.bias, b);
    uploads.push_back([&target, &l](Uploader& up) {
      const std::vector<float> laid_out = target.layout().arrange(l.weight.ptr());
      up.write(target.weight, laid_out.data(), laid_out.size() * sizeof(float));
      std::vector<float> bias = l.bias.empty() ? std::vector<float>(target.out, 0.0f) : l.bias.data;
      up.write(target.bias, bias.data(), bias.size() * sizeof(float));
    });
  }

  void norm(DeviceLayerNorm& target, const LayerNormWeights& n) {
    tensor(target.gamma, n.weight);
    tensor(target.beta, n.bias);
  }

  void upload(const std::shared_ptr<Context>& ctx) {
    arena.allocate(ctx, MemoryUse::Device);
    resolve();
    Uploader uploader(ctx, arena.buffer());
    for (auto& up : uploads) up(uploader);
    uploader.flush();
  }
};

// [out, in] -> [in, out], without a bias.
Linear transposed(const Linear& l) {
  const int64_t out = l.weight.dim(0), in = l.weight.dim(1);
  Linear t;
  t.weight = Tensor({in, out});
  for (int64_t r = 0; r < out; ++r)
    for (int64_t c = 0; c < in; ++c) t.weight.data[static_cast<size_t>(c * out + r)] = l.weight.data[static_cast<size_t>(r * in + c)];
  return t;
}

}  // namespace

DeviceWeights::DeviceWeights(std::shared_ptr<Context> ctx, const Model& model, uint32_t weight_interleave) {
  const VitWeights& w = model.weights;
  WeightPlan plan{arena_, weight_interleave, {}, {}};
  plan.linear(patch_embed, w.patch_embed);
  layers.resize(w.layers.size());
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const auto& src = w.layers[i];
    auto& dst = layers[i];
    plan.norm(dst.norm1, src.norm1);
    plan.linear(dst.qkv, src.qkv);
    plan.linear(dst.proj, src.proj);
    plan.norm(dst.norm2, src.norm2);
    plan.linear(dst.fc1, src.fc1);
    plan.linear(dst.fc2, src.fc2);
  }
  if (w.pre_norm) plan.norm(pre_norm, *w.pre_norm);
  if (w.final_norm) plan.norm(final_norm, *w.final_norm);
  if (w.probe) plan.linear(probe_kv, w.probe->kv);
  if (w.detection) {
    class_mlp.resize(w.detection->class_mlp.size());
    box_mlp.resize(w.detection->box_mlp.size());
    for (size_t i = 0; i < class_mlp.size(); ++i) plan.linear(class_mlp[i], w.detection->class_mlp[i]);
    for (size_t i = 0; i < box_mlp.size(); ++i) plan.linear(box_mlp[i], w.detection->box_mlp[i]);
  }

  plan.upload(ctx);
}

DeviceGradientWeights::DeviceGradientWeights(std::shared_ptr<Context> ctx, const Model& model, uint32_t weight_interleave) {
  const VitWeights& w = model.weights;
  // The uploads read these host copies, so they live until the plan has run.
  std::vector<Linear> host;
  host.reserve(1 + 4 * w.layers.size());
  WeightPlan plan{arena_, weight_interleave, {}, {}};
  plan.linear(patch_embed, host.emplace_back(transposed(w.patch_embed)));
  layers.resize(w.layers.size());
  for (size_t i = 0; i < w.layers.size(); ++i) {
    plan.linear(layers[i].qkv, host.emplace_back(transposed(w.layers[i].qkv)));
    plan.linear(layers[i].proj, host.emplace_back(transposed(w.layers[i].proj)));
    plan.linear(layers[i].fc1, host.emplace_back(transposed(w.layers[i].fc1)));
    plan.linear(layers[i].fc2, host.emplace_back(transposed(w.layers[i].fc2)));
  }
  plan.upload(ctx);
}

}  // namespace vitlens::vk
