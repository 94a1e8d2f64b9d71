#pragma once
#include "vitlens/model/model.hpp"

namespace vitlens {

// The model cut after encoder block `layer` (0-based): its blocks 0..layer, without the final
// norm, pooling or heads. Any backend running it hands back block `layer`'s output as
// ForwardOutput::hidden_state, so features of an inner layer need no backend support.
// Prefix and detection tokens stay (they are keys of every patch); YOLOS's mid-position
// embeddings keep their place (added after blocks 0..layer-1).
// Throws vitlens::Error when the model has no such block.
Model truncated_after_block(const Model& model, int layer);

}  // namespace vitlens
