#!/usr/bin/python3
"""References for the feature views and head statistics (vitlens-cli features / heads).

Computed from the definitions with numpy in float64, on the outputs of the independent
PyTorch reference (tools/vit_reference.py) for the golden fixtures' inputs, never from
ViTLens's own code:
  - PCA (DINOv2's demos): the patch tokens of a hidden state, centred, projected on the first
    three principal components (SVD); each component's sign makes its largest |projection|
    positive (scikit-learn's svd_flip), so the result is unique.
  - similarity: cosine similarity of one patch's feature to every patch.
  - mean attention distance (ViT paper, Fig. 7): per head, patch queries over patch keys with
    the weights renormalised over the patches, Euclidean distance between patch centres in
    input pixels, averaged over the queries.
  - attention entropy: -sum p ln p over the full row (every key), averaged over patch queries.
Writes tests/fixtures/analysis/features.safetensors. Run with Debian's /usr/bin/python3.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")


def pca_rgb(patches, grid_h, grid_w):
    x = patches.astype(np.float64)
    x = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    projections = x @ vt[:3].T
    signs = np.sign(projections[np.abs(projections).argmax(axis=0), range(3)])
    return (projections * signs).reshape(grid_h, grid_w, 3)


def similarity(patches, grid_w, row, column):
    x = patches.astype(np.float64)
    q = x[row * grid_w + column]
    return (x @ q / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))).reshape(-1, grid_w)


def head_statistics(attention, prefix, grid_h, grid_w, patch):
    a = attention.astype(np.float64)  # [L, H, T, T]
    n = grid_h * grid_w
    rows, cols = np.divmod(np.arange(n), grid_w)
    centres = np.stack([(cols + 0.5) * patch, (rows + 0.5) * patch], axis=1)
    distance = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)  # [n, n]
    patch_rows = a[:, :, prefix:prefix + n, :]  # patch queries, every key
    to_patches = patch_rows[..., prefix:prefix + n]
    weights = to_patches / to_patches.sum(axis=-1, keepdims=True)
    mean_distance = (weights * distance).sum(axis=-1).mean(axis=-1)
    p = np.clip(patch_rows, 1e-30, None)
    entropy = -(patch_rows * np.log(p)).sum(axis=-1).mean(axis=-1)
    return mean_distance, entropy


def block_output(model, pixels, layer):
    with torch.no_grad():
        x = model.embed(pixels)
        for block in model.blocks[:layer + 1]:
            x, _ = block(x)
    return x.numpy()


def main():
    torch.set_num_threads(1)
    out = {}
    # A non-square grid (5 x 7) of a classifier: PCA and similarity of the final hidden state.
    vit = st.read_safetensors(os.path.join(FIXTURES, "hf_vit", "expected_40x56.safetensors"))
    patches = vit["hidden_state"].numpy()[1:]
    out["hf_vit_40x56.pca"] = pca_rgb(patches, 5, 7)
    out["hf_vit_40x56.similarity_2_3"] = similarity(patches, 7, 2, 3)
    d, e = head_statistics(vit["attention"].numpy(), 1, 5, 7, 8)
    out["hf_vit_40x56.mean_attention_distance"], out["hf_vit_40x56.attention_entropy"] = d, e
    # DINO: PCA of block 0's output (before the final norm), read through the reference model.
    dino_expected = st.read_safetensors(os.path.join(FIXTURES, "hf_dino", "expected_32x32.safetensors"))
    dino = ref.load_hf(os.path.join(FIXTURES, "hf_dino"))
    block0 = block_output(dino, dino_expected["pixel_values"], 0)
    out["hf_dino.block0_pca"] = pca_rgb(block0[1:], 4, 4)
    # DeiT distilled: two prefix tokens are not patches.
    deit = st.read_safetensors(os.path.join(FIXTURES, "hf_deit_distilled", "expected_32x32.safetensors"))
    d, e = head_statistics(deit["attention"].numpy(), 2, 4, 4, 8)
    out["hf_deit_distilled.mean_attention_distance"], out["hf_deit_distilled.attention_entropy"] = d, e

    folder = os.path.join(FIXTURES, "analysis")
    os.makedirs(folder, exist_ok=True)
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v).astype(np.float32)) for k, v in out.items()}
    st.write_safetensors(os.path.join(folder, "features.safetensors"), tensors)
    for k, v in tensors.items():
        print(f"{k:44s} {list(v.shape)}")


if __name__ == "__main__":
    main()
