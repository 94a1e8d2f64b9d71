#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vitlens/model/tensor.hpp"

namespace vitlens {

enum class DType { F32, F16, BF16 };

struct TensorInfo {
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data buffer (a PyTorch storage), end exclusive
  uint64_t end = 0;
};

// One file of named tensors: a .safetensors file or a PyTorch checkpoint.
class TensorFile {
 public:
  virtual ~TensorFile() = default;
  virtual const std::string& path() const = 0;
  virtual const std::map<std::string, TensorInfo>& tensors() const = 0;
  // The tensor's values widened to float32.
  virtual Tensor read(const std::string& name) const = 0;
  // What the reader chose that a user should know (which weights of a nested checkpoint).
  virtual std::vector<std::string> notes() const { return {}; }
  bool contains(const std::string& name) const { return tensors().count(name) != 0; }
};

// Opens a .safetensors file, or a PyTorch checkpoint (.bin, .pth, .pt) with the restricted
// reader of torch_checkpoint.hpp, by the file's extension.
std::shared_ptr<const TensorFile> open_tensor_file(const std::string& path);

// One .safetensors file, validated like the reference reader (header size, offsets that
// neither overlap nor leave gaps, sizes that match shapes, known dtypes). Tensor data is
// read on demand and converted to float32.
class SafetensorsFile : public TensorFile {
 public:
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const override { return path_; }
  const std::map<std::string, TensorInfo>& tensors() const override { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  Tensor read(const std::string& name) const override;

 private:
  std::string path_;
  uint64_t data_start_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// All tensors of a checkpoint, which may be one file or the shards named by a
// model.safetensors.index.json or pytorch_model.bin.index.json.
class TensorStore {
 public:
  static TensorStore open_file(const std::string& path);
  static TensorStore open_index(const std::string& index_json_path);

  bool contains(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;
  // The .safetensors file holding `name` (a shard, for an index), for error messages.
  const std::string& path_of(const std::string& name) const;
  Tensor read(const std::string& name) const;
  std::vector<std::string> names() const;
  // Names the checkpoint holds that nobody has read yet, for "unexpected tensor" errors.
  std::vector<std::string> unread() const;
  // Marks a tensor the model deliberately does not use (a text tower, a pre-training mask
  // token) so that unread() does not report it; nothing is read.
  void skip(const std::string& name) const;
  const std::string& description() const { return description_; }
  std::vector<std::string> notes() const;

 private:
  std::string description_;
  std::vector<std::shared_ptr<const TensorFile>> files_;
  std::map<std::string, size_t> owner_;
  mutable std::map<std::string, bool> read_;

  size_t owner(const std::string& name) const;
};

}  // namespace vitlens
