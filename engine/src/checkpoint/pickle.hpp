#pragma once
// A restricted pickle reader: it interprets only the opcodes and globals a PyTorch state dict
// is made of and refuses everything else, so a hostile checkpoint is an error, never code run.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vitlens/checkpoint/safetensors.hpp"

namespace vitlens::pickle {

// A persistent id ('storage', torch.FloatStorage, KEY, location, numel): the archive entry
// data/KEY holds numel elements of dtype.
struct Storage {
  DType dtype = DType::F32;
  std::string key;
  uint64_t numel = 0;
};

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a strided view, in
// elements, checked to lie inside its storage.
struct TensorView {
  Storage storage;
  uint64_t offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor, Mark };
  Kind kind = Kind::None;
  int64_t integer = 0;
  double real = 0;
  std::string text;                                    // String; "module.name" for Global
  std::vector<ValuePtr> items;                         // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict, in insertion order
  Storage storage;
  TensorView tensor;
};

// Runs the restricted machine over `bytes` (an archive's data.pkl) and returns the object it
// builds. `check_storage` validates each storage against the archive (it throws when the
// storage is missing or too small). Errors name `where` and the refused opcode or global.
ValuePtr load(const std::string& bytes, const std::string& where, const std::function<void(const Storage&)>& check_storage);

}  // namespace vitlens::pickle
