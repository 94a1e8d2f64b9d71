#include "vitlens/model/truncate.hpp"

#include "vitlens/util/error.hpp"

namespace vitlens {

Model truncated_after_block(const Model& model, int layer) {
  const int layers = model.config.num_layers;
  if (layer < 0 || layer >= layers)
    throw Error("layer " + std::to_string(layer) + " is out of range: the model has " + std::to_string(layers) +
                " layers (0-" + std::to_string(layers - 1) + ")");
  Model cut = model;
  cut.config.num_layers = layer + 1;
  cut.config.num_classes = 0;
  cut.weights.layers.resize(static_cast<size_t>(layer) + 1);
  if (cut.weights.mid_pos_embed.size() > static_cast<size_t>(layer)) cut.weights.mid_pos_embed.resize(static_cast<size_t>(layer));
  cut.weights.final_norm.reset();
  cut.weights.fc_norm.reset();
  cut.weights.heads.clear();
  cut.weights.detection.reset();
  cut.labels.clear();
  return cut;
}

}  // namespace vitlens
