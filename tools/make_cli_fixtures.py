"""Writes tests/fixtures/hf_vit_deep: a random-weight ViT classifier with 11 layers and 12
heads (hidden size 24, patch 8, 32 x 32 input) for the command-line tests that need a
model with two-digit layer and head numbers (zero-padded file names). Its outputs are not
compared with anything; tools/make_fixtures.py writes the fixtures that are.

    /usr/bin/python3 tools/make_cli_fixtures.py
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402


def main():
    torch.set_num_threads(1)
    cfg = {"num_layers": 11, "hidden_size": 24, "num_heads": 12, "mlp_size": 48, "hidden_act": "gelu",
           "layer_norm_eps": 1e-12, "num_classes": 3, "id2label": mf.id2label(["left", "middle", "right"])}
    model = mf.random_model(cfg, seed=1101)
    folder = os.path.join(mf.ROOT, "hf_vit_deep")
    os.makedirs(folder, exist_ok=True)
    ref.save_hf(model, folder)
    st.write_json(os.path.join(folder, "preprocessor_config.json"), mf.hf_preprocessor(32, 32, 2, [0.5] * 3, [0.5] * 3))
    print(f"wrote {os.path.normpath(folder)}")


if __name__ == "__main__":
    main()
