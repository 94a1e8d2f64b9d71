#pragma once
#include <map>
#include <string>
#include <vector>

#include "checkpoint/pickle.hpp"
#include "checkpoint/zip_archive.hpp"
#include "vitlens/checkpoint/safetensors.hpp"

namespace vitlens {

// A PyTorch checkpoint (pytorch_model.bin, .pth) in the zip format torch.save has written
// since PyTorch 1.6, read through the restricted pickle reader: nothing in it is executed.
// Its weights are the top-level dict when it holds tensors, else the first of the nested
// dicts 'state_dict', 'model', 'teacher', 'student' (DINO's releases) that does; 'module.'
// prefixes are removed and a 'backbone.' subset is taken alone. notes() says what was taken.
class TorchCheckpoint : public TensorFile {
 public:
  static TorchCheckpoint open(const std::string& path);

  const std::string& path() const override { return archive_.path(); }
  const std::map<std::string, TensorInfo>& tensors() const override { return tensors_; }
  Tensor read(const std::string& name) const override;
  std::vector<std::string> notes() const override { return notes_; }

 private:
  ZipArchive archive_;
  std::string prefix_;  // the archive's top folder ("archive/")
  std::map<std::string, pickle::TensorView> views_;
  std::map<std::string, TensorInfo> tensors_;
  std::vector<std::string> notes_;
};

}  // namespace vitlens
