"""Fashion-MNIST as Debian packages it (dataset-fashion-mnist): gzip IDX files, numpy only.

Shared by the demo-model training scripts, the scene generator and the PyTorch evaluation,
so every tool reads the same bytes in the same order as ViTLens's C++ IDX reader.
"""

import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
PACKAGE = "dataset-fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# Dataset statistics of the training images scaled to [0, 1]; the classifier's normalisation.
MEAN = 0.2860
STD = 0.3530


def _read_idx(path, expected_dims):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found: install the Debian package {PACKAGE}")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != expected_dims:
        raise ValueError(f"{path}: not an unsigned-byte IDX file with {expected_dims} dimensions")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(expected_dims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * expected_dims)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: holds {data.size} bytes of data, its header says {dims}")
    return data.reshape(dims)


def load_split(split, directory=DEFAULT_DIR):
    """Returns (images uint8 [N, 28, 28], labels int64 [N]) of "train" or "test"."""
    images_file, labels_file = _FILES[split]
    images = _read_idx(os.path.join(directory, images_file), 3)
    labels = _read_idx(os.path.join(directory, labels_file), 1).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{directory}: {len(images)} {split} images but {len(labels)} labels")
    return images, labels
