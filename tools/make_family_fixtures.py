"""Golden fixtures for the newer families: DINOv2 (with and without registers, SwiGLU), CLIP
and SigLIP image towers, DeiT III, in both the Hugging Face and the timm layout.

The expected outputs come from implementations independent of ViTLens:
  - timm layout: timm itself (its source, fetched from github:huggingface/pytorch-image-models,
    on PYTHONPATH; it needs python3-torchvision), models built at toy sizes by timm's own
    architecture functions, state_dict() saved as the checkpoint.
  - Hugging Face layout: tools/hf_towers_reference.py, a transcription of transformers'
    modeling code (transformers cannot be installed here).
Random weights, small shapes, the native input size and a resampled one (non-square).

    PYTHONPATH=/path/to/pytorch-image-models /usr/bin/python3 tools/make_family_fixtures.py

Each case writes a model (folder or .safetensors + config.json) under tests/fixtures/families/
and expected_<H>x<W>.safetensors with pixel_values, hidden_state [T, D], attention
[L, H, T, T], embedding (the pooled/projected feature), logits (classifiers) and
probe_attention [H, T] (SigLIP); the cases are appended to tests/fixtures/manifest.json.
"""

import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_towers_reference as hf  # noqa: E402
import safetensors_io as st  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
OUT = os.path.join(ROOT, "families")
LABELS = ["tabby cat", "golden retriever", "red fox", "barn owl", "goldfish"]


def randomize_(module, seed):
    """Realistic scales: weights ~ N(0, 1/fan_in) (attention q/k x1.4 so attention is neither
    uniform nor one-hot), biases and norms perturbed, LayerScale gammas in [0.5, 1.5]."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf in ("lambda1", "gamma") or name.endswith(("ls1.gamma", "ls2.gamma")):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif p.dim() == 1 and ("norm" in name or "layernorm" in name or "layer_norm" in name):
                p.copy_((1.0 if leaf == "weight" else 0.0) + 0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1 and leaf in ("bias", "in_proj_bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() >= 2 and "weight" in leaf:
                fan_in = p[0].numel()
                gain = 1.4 if any(k in name for k in ("query", "key", "q_proj", "k_proj", "qkv", "in_proj", ".q.", ".kv.")) else 1.0
                p.copy_(gain * torch.randn(p.shape, generator=g) / fan_in ** 0.5)
            else:  # tokens, position tables, probes, class embeddings
                p.copy_(0.3 * torch.randn(p.shape, generator=g))


def stored(tensors):
    return {k: v.detach().contiguous().to(torch.float32) for k, v in tensors.items()}


def pixels(seed, h, w):
    return torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(seed))


def write_expected(path, x, hidden, attentions, embedding, logits=None, probe=None):
    tensors = {
        "pixel_values": x[0],
        "hidden_state": hidden[0],
        "attention": torch.stack(attentions),
        "embedding": embedding.reshape(-1),
    }
    if logits is not None:
        tensors["logits"] = logits.reshape(-1)
    if probe is not None:
        tensors["probe_attention"] = probe
    st.write_safetensors(path, stored(tensors))


def case(name, model, expected, has_logits, notes):
    return {"name": name, "model": model, "expected": expected, "has_logits": has_logits, "notes": notes}


# ---------------------------------------------------------------------------------------
# Hugging Face layout (tools/hf_towers_reference.py)

DINOV2 = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, mlp_ratio=4.0, hidden_act="gelu",
              layer_norm_eps=1e-6, image_size=32, patch_size=8, num_channels=3, qkv_bias=True, layerscale_value=1.0,
              use_swiglu_ffn=False)
TOWER = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32,
             patch_size=8, num_channels=3)
BIT_PROCESSOR = {"image_processor_type": "BitImageProcessor", "do_resize": True, "size": {"shortest_edge": 256},
                 "resample": 3, "do_center_crop": True, "crop_size": {"height": 224, "width": 224}, "do_rescale": True,
                 "rescale_factor": 0.00392156862745098, "do_normalize": True, "image_mean": [0.485, 0.456, 0.406],
                 "image_std": [0.229, 0.224, 0.225], "do_convert_rgb": True}


def save_hf(folder, state, config, processor=None):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    st.write_safetensors(os.path.join(folder, "model.safetensors"), stored(state))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if processor:
        with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
            json.dump(processor, f, indent=2)


def hf_dinov2(name, cfg, architecture, sizes, seed, notes):
    registers = "WithRegisters" in architecture
    classifier = architecture.endswith("ForImageClassification")
    prefix = "dinov2_with_registers" if registers else "dinov2"
    model = hf.Dinov2ForImageClassification(cfg, prefix) if classifier else hf.Dinov2Model(cfg)
    randomize_(model, seed)
    model.eval()
    state = model.state_dict_hf() if classifier else model.state_dict()
    config = dict(cfg, architectures=[architecture], model_type="dinov2_with_registers" if registers else "dinov2")
    if classifier:
        config["id2label"] = {str(i): label for i, label in enumerate(LABELS[: cfg["num_labels"]])}
    folder = os.path.join(OUT, name)
    save_hf(folder, state, config, BIT_PROCESSOR)
    cases = []
    for i, (h, w) in enumerate(sizes):
        x = pixels(seed + 100 + i, h, w)
        with torch.no_grad():
            out = model(x)
        seq = out["last_hidden_state"]
        r = cfg.get("num_register_tokens", 0)
        embedding = torch.cat([seq[:, 0], seq[:, 1 + r:].mean(dim=1)], dim=1) if classifier else out["pooler_output"]
        expected = os.path.join(folder, f"expected_{h}x{w}.safetensors")
        write_expected(expected, x, seq, model.attentions(), embedding, out.get("logits"))
        cases.append(case(f"{name}_{h}x{w}", f"families/{name}", f"families/{name}/expected_{h}x{w}.safetensors", classifier,
                          notes + (" (native size)" if (h, w) == (cfg["image_size"],) * 2 else f"; {h}x{w}: resampled positions")))
    return cases


def hf_tower(name, cfg, architecture, sizes, seed, notes, projection_dim=0, joint=False):
    siglip = architecture.startswith("Siglip")
    model = hf.VisionTower(cfg, siglip, projection_dim)
    randomize_(model, seed)
    model.eval()
    state = dict(model.state_dict())
    if joint:
        state.update({"text_model.embeddings.token_embedding.weight": torch.randn(10, 16),
                      "text_model.final_layer_norm.weight": torch.ones(16), "logit_scale": torch.tensor([2.6592])})
        if projection_dim:
            state["text_projection.weight"] = torch.randn(projection_dim, 16)
        config = {"architectures": [architecture], "model_type": "siglip" if siglip else "clip", "projection_dim": projection_dim,
                  "text_config": {"hidden_size": 16}, "vision_config": cfg}
    else:
        config = dict(cfg, architectures=[architecture], model_type="siglip_vision_model" if siglip else "clip_vision_model")
        if projection_dim:
            config["projection_dim"] = projection_dim
    folder = os.path.join(OUT, name)
    save_hf(folder, state, config)
    cases = []
    for i, (h, w) in enumerate(sizes):
        x = pixels(seed + 100 + i, h, w)
        with torch.no_grad():
            out = model(x)
        probe = model.vision_model.head.probabilities if siglip else None
        expected = os.path.join(folder, f"expected_{h}x{w}.safetensors")
        write_expected(expected, x, out["last_hidden_state"], model.attentions(), out["embedding"], None, probe)
        cases.append(case(f"{name}_{h}x{w}", f"families/{name}", f"families/{name}/expected_{h}x{w}.safetensors", False,
                          notes + (" (native size)" if (h, w) == (32, 32) else f"; {h}x{w}: resampled positions")))
    return cases


# ---------------------------------------------------------------------------------------
# timm layout (timm itself)


def timm_case(name, architecture, kwargs, sizes, seed, notes, pretrained_cfg=None, label_names=None):
    import timm
    from timm.layers import set_fused_attn

    set_fused_attn(False)
    model = timm.create_model(architecture, pretrained=False, dynamic_img_size=True, **kwargs)
    randomize_(model, seed)
    model.eval()
    captured = []
    for block in model.blocks:
        block.attn.attn_drop.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0][0].detach()))
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    st.write_safetensors(os.path.join(folder, "model.safetensors"), stored(model.state_dict()))
    config = {"architecture": architecture, "num_classes": kwargs.get("num_classes", 0),
              "model_args": {k: v for k, v in kwargs.items() if k in ("img_size", "num_heads", "patch_size", "embed_dim", "depth")},
              "pretrained_cfg": pretrained_cfg or {}}
    if label_names:
        config["label_names"] = label_names
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    cases = []
    for i, (h, w) in enumerate(sizes):
        x = pixels(seed + 100 + i, h, w)
        captured.clear()
        with torch.no_grad():
            features = model.forward_features(x)
            pooled = model.forward_head(features, pre_logits=True)
            head = model.forward_head(features)
            probe = None
            if getattr(model, "attn_pool", None) is not None:
                pool = model.attn_pool
                heads, dh = pool.num_heads, pool.head_dim
                q = pool.q(pool.latent).reshape(1, 1, heads, dh).transpose(1, 2)
                k = pool.kv(features).reshape(1, features.shape[1], 2, heads, dh).permute(2, 0, 3, 1, 4)[0]
                probe = ((q * pool.scale) @ k.transpose(-2, -1)).softmax(dim=-1)[0, :, 0]
        classifier = bool(label_names)
        embedding = pooled if classifier else head
        expected = os.path.join(folder, f"expected_{h}x{w}.safetensors")
        write_expected(expected, x, features, list(captured), embedding, head if classifier else None, probe)
        cases.append(case(f"{name}_{h}x{w}", f"families/{name}/model.safetensors", f"families/{name}/expected_{h}x{w}.safetensors",
                          classifier, notes + (" (native size)" if (h, w) == (32, 32) else f"; {h}x{w}: resampled positions")))
    return cases


def add_to_manifest(cases):
    """Puts `cases` into tests/fixtures/manifest.json, replacing cases of the same name."""
    manifest_path = os.path.join(ROOT, "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    names = {c["name"] for c in cases}
    manifest["cases"] = [c for c in manifest["cases"] if c["name"] not in names] + cases
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    cases += hf_dinov2("hf_dinov2", DINOV2, "Dinov2Model", [(32, 32), (40, 24)], 11,
                       "Dinov2Model: LayerScale, eps 1e-6, bicubic position resampling")
    cases += hf_dinov2("hf_dinov2_reg_swiglu", dict(DINOV2, num_register_tokens=4, use_swiglu_ffn=True, num_labels=5),
                       "Dinov2WithRegistersForImageClassification", [(32, 32), (48, 40)], 12,
                       "Dinov2WithRegistersForImageClassification: 4 registers without positions, SwiGLU (hidden 88), classifier on [CLS, patch mean], antialiased resampling")
    cases += hf_tower("hf_clip", dict(TOWER, hidden_act="quick_gelu", layer_norm_eps=1e-5), "CLIPVisionModelWithProjection",
                      [(32, 32), (40, 48)], 13, "CLIPVisionModelWithProjection: pre_layrnorm, quick_gelu, post_layernorm on CLS, projection 16",
                      projection_dim=16)
    cases += hf_tower("hf_clip_model", dict(TOWER, hidden_act="quick_gelu", layer_norm_eps=1e-5), "CLIPModel", [(32, 32)], 14,
                      "CLIPModel: the vision half of a whole checkpoint (text tower ignored)", projection_dim=16, joint=True)
    cases += hf_tower("hf_siglip", dict(TOWER, hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6), "SiglipVisionModel",
                      [(32, 32), (24, 40)], 15, "SiglipVisionModel: no CLS, post_layernorm on every token, attention-probe head")

    small = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=4)
    cases += timm_case("timm_dinov2", "vit_small_patch14_dinov2", small, [(32, 32), (40, 24)], 21,
                       "timm vit_small_patch14_dinov2: LayerScale, antialiased resampling")
    cases += timm_case("timm_dinov2_reg4", "vit_small_patch14_reg4_dinov2", small, [(32, 32), (48, 32)], 22,
                       "timm vit_small_patch14_reg4_dinov2: 4 registers, no_embed_class")
    cases += timm_case("timm_dinov2_swiglu", "vit_giant_patch14_dinov2", small, [(32, 32)], 23,
                       "timm vit_giant_patch14_dinov2 shape: SwiGLUPacked, hidden 85 (not a multiple of 4)")
    cases += timm_case("timm_clip", "vit_base_patch16_clip_quickgelu_224", dict(small, num_classes=16), [(32, 32), (40, 24)], 24,
                       "timm CLIP tower: norm_pre, quick_gelu, eps 1e-5, head = projection 16", pretrained_cfg={"tag": "openai"})
    cases += timm_case("timm_siglip", "vit_base_patch16_siglip_224", small, [(32, 32), (24, 40)], 25,
                       "timm SigLIP tower: no CLS, attn_pool (AttentionPoolLatent)")
    cases += timm_case("timm_deit3", "deit3_small_patch16_224", dict(small, num_classes=5), [(32, 32), (40, 32)], 26,
                       "timm deit3: no_embed_class, LayerScale, classifier", label_names=LABELS)

    add_to_manifest(cases)
    print(f"{len(cases)} family cases written to {OUT}")


if __name__ == "__main__":
    main()
