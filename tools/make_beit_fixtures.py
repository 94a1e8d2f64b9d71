"""Golden fixtures for BEiT, in the Hugging Face and the timm layout.

The expected outputs come from implementations independent of ViTLens:
  - Hugging Face layout: tools/beit_reference.py, a transcription of transformers'
    models/beit/modeling_beit.py (transformers cannot be installed here).
  - timm layout: timm itself (timm.models.beit; its source on PYTHONPATH, python3-torchvision
    installed), models built at toy sizes by timm's own architecture functions.
Random weights (LayerScale in [0.5, 1.5], bias tables ~N(0, 1) so that they move attention),
small shapes, the native input size and resampled ones: Hugging Face resizes the bias table at
run time (bilinear); timm's Beit has a fixed grid, so its other sizes come from a Beit built at
that size loading the checkpoint through timm's checkpoint_filter_fn. Deterministic: fixed seeds.

    PYTHONPATH=/path/to/pytorch-image-models /usr/bin/python3 tools/make_beit_fixtures.py

Each case writes a model under tests/fixtures/families/ and expected_<H>x<W>.safetensors in the
format of tools/make_family_fixtures.py; the cases are merged into tests/fixtures/manifest.json.
"""

import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import beit_reference as hf  # noqa: E402
import make_family_fixtures as families  # noqa: E402
import safetensors_io as st  # noqa: E402

HF_BEIT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, hidden_act="gelu",
               layer_norm_eps=1e-12, image_size=32, patch_size=8, num_channels=3, use_mask_token=False,
               use_absolute_position_embeddings=False, use_relative_position_bias=True,
               use_shared_relative_position_bias=False, layer_scale_init_value=0.1, use_mean_pooling=True)


def randomize_beit_(model, seed):
    families.randomize_(model, seed)
    g = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf in ("lambda_1", "lambda_2", "gamma_1", "gamma_2"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif leaf == "relative_position_bias_table":
                p.copy_(torch.randn(p.shape, generator=g))


def size_note(notes, h, w):
    return notes + (" (native size)" if (h, w) == (32, 32) else f"; {h}x{w}: resampled bias table (bilinear) and positions")


def hf_beit(name, cfg, architecture, sizes, seed, notes):
    classifier = architecture == "BeitForImageClassification"
    model = hf.BeitForImageClassification(cfg) if classifier else hf.BeitModel(cfg)
    randomize_beit_(model, seed)
    model.eval()
    config = dict(cfg, architectures=[architecture], model_type="beit")
    if classifier:
        config["id2label"] = {str(i): label for i, label in enumerate(families.LABELS[: cfg["num_labels"]])}
    folder = os.path.join(families.OUT, name)
    families.save_hf(folder, model.state_dict(), config)
    cases = []
    for i, (h, w) in enumerate(sizes):
        x = families.pixels(seed + 100 + i, h, w)
        with torch.no_grad():
            out = model(x, interpolate_pos_encoding=(h, w) != (32, 32))
        expected = os.path.join(folder, f"expected_{h}x{w}.safetensors")
        families.write_expected(expected, x, out["last_hidden_state"], model.attentions(), out["pooler_output"], out.get("logits"))
        cases.append(families.case(f"{name}_{h}x{w}", f"families/{name}", f"families/{name}/expected_{h}x{w}.safetensors", classifier,
                                   size_note(notes, h, w)))
    return cases


def timm_beit(name, architecture, kwargs, sizes, seed, notes):
    import timm
    from timm.layers import set_fused_attn
    from timm.models.beit import checkpoint_filter_fn

    set_fused_attn(False)
    model = timm.create_model(architecture, pretrained=False, **kwargs)
    randomize_beit_(model, seed)
    model.eval()
    captured = []
    folder = os.path.join(families.OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    st.write_safetensors(os.path.join(folder, "model.safetensors"), families.stored(model.state_dict()))
    config = {"architecture": architecture, "num_classes": kwargs["num_classes"],
              "model_args": {k: v for k, v in kwargs.items() if k in ("img_size", "num_heads", "patch_size", "embed_dim", "depth")},
              "label_names": families.LABELS[: kwargs["num_classes"]]}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    cases = []
    for i, (h, w) in enumerate(sizes):
        # Another size, as timm runs one: a Beit built at that size loads the checkpoint
        # through beit.checkpoint_filter_fn (resize_rel_pos_bias_table, resample_abs_pos_embed).
        sized = model
        if (h, w) != (32, 32):
            sized = timm.create_model(architecture, pretrained=False, **dict(kwargs, img_size=(h, w)))
            sized.load_state_dict(checkpoint_filter_fn(model.state_dict(), sized))
            sized.eval()
        captured.clear()
        for block in sized.blocks:
            block.attn.attn_drop.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0][0].detach()))
        x = families.pixels(seed + 100 + i, h, w)
        with torch.no_grad():
            features = sized.forward_features(x)
            pooled = sized.forward_head(features, pre_logits=True)
            logits = sized.forward_head(features)
        expected = os.path.join(folder, f"expected_{h}x{w}.safetensors")
        families.write_expected(expected, x, features, list(captured)[-len(sized.blocks):], pooled, logits)
        cases.append(families.case(f"{name}_{h}x{w}", f"families/{name}/model.safetensors", f"families/{name}/expected_{h}x{w}.safetensors",
                                   True, notes + (" (native size)" if (h, w) == (32, 32) else
                                                  f"; {h}x{w}: the checkpoint resized by timm's checkpoint_filter_fn for a model built at that size")))
    return cases


def main():
    os.makedirs(families.OUT, exist_ok=True)
    cases = []
    cases += hf_beit("hf_beit", dict(HF_BEIT, num_labels=5), "BeitForImageClassification", [(32, 32), (40, 24)], 31,
                     "BeitForImageClassification: relative position bias per layer, q/v biases, lambda LayerScale, mean pooling -> pooler.layernorm")
    cases += hf_beit("hf_beit_shared", dict(HF_BEIT, use_absolute_position_embeddings=True, use_relative_position_bias=False,
                                            use_shared_relative_position_bias=True, layer_scale_init_value=0.0, use_mean_pooling=False),
                     "BeitModel", [(32, 32), (48, 40)], 32,
                     "BeitModel: shared relative position bias, absolute positions, no LayerScale, CLS after layernorm")
    small = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=4, num_classes=5)
    cases += timm_beit("timm_beit", "beit_base_patch16_224", small, [(32, 32), (40, 24)], 33,
                       "timm beit_base_patch16_224: relative position bias per block, q_bias/v_bias, gamma LayerScale, fc_norm")
    cases += timm_beit("timm_beit_shared", "beit_base_patch16_224", dict(small, use_abs_pos_emb=True, use_rel_pos_bias=False,
                                                                          use_shared_rel_pos_bias=True), [(32, 32), (48, 40)], 34,
                       "timm Beit with a shared rel_pos_bias and pos_embed")

    families.add_to_manifest(cases)
    print(f"{len(cases)} BEiT cases written to {families.OUT}")


if __name__ == "__main__":
    main()
