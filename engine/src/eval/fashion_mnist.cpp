#include "vitlens/eval/fashion_mnist.hpp"

#include <filesystem>

#include "vitlens/util/error.hpp"

namespace vitlens {

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

IdxImages load_fashion_mnist(FashionMnistSplit split, const std::string& directory) {
  const bool train = split == FashionMnistSplit::Train;
  const std::filesystem::path folder(directory);
  const std::string images = (folder / (train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz")).string();
  const std::string labels = (folder / (train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz")).string();
  for (const std::string& file : {images, labels})
    if (!std::filesystem::exists(file))
      throw Error(file + ": not found; the Fashion-MNIST dataset comes from the Debian package " +
                  std::string(kFashionMnistPackage) + " (sudo apt install " + kFashionMnistPackage + ")");
  return read_idx_dataset(images, labels);
}

}  // namespace vitlens
