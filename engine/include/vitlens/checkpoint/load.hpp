#pragma once
#include <string>

#include "vitlens/model/model.hpp"

namespace vitlens {

// Loads a Hugging Face model folder (config.json + model.safetensors or a sharded index, else
// pytorch_model.bin or its sharded index) or a timm .safetensors or PyTorch .bin/.pth file
// (with an optional config.json beside it). PyTorch checkpoints are read without running
// their pickle (see checkpoint/torch_checkpoint.hpp); Model::notes says which weights of a
// nested one were taken. Throws vitlens::Error naming the file and the problem.
Model load_model(const std::string& path);

}  // namespace vitlens
