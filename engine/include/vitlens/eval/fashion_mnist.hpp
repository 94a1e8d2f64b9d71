#pragma once
#include <string>
#include <vector>

#include "vitlens/eval/idx_dataset.hpp"

namespace vitlens {

// Where Debian's dataset-fashion-mnist package installs the gzip IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";

enum class FashionMnistSplit { Train, Test };

// The ten class names in label order (0 = "T-shirt/top" ... 9 = "Ankle boot").
const std::vector<std::string>& fashion_mnist_classes();

// Reads the 60,000 training or 10,000 test images from `directory`. When the files are
// missing, the vitlens::Error names them and the Debian package that installs them.
IdxImages load_fashion_mnist(FashionMnistSplit split, const std::string& directory = kFashionMnistDir);

}  // namespace vitlens
