"""Writes ViTLens's golden test fixtures: small random-weight checkpoints and the outputs the
independent PyTorch reference (tools/vit_reference.py) computes for them.

Regenerate (deterministic; the files come out byte-identical):

    /usr/bin/python3 tools/verify_reference.py   # checks the reference itself first
    /usr/bin/python3 tools/make_fixtures.py

Every fixture folder under tests/fixtures/ holds one checkpoint in the layout a real one uses
(Hugging Face folder with config.json + model.safetensors [+ shards] + preprocessor_config.json,
or a timm .safetensors file with or without config.json) and one expected_<H>x<W>.safetensors
per input, containing F32 tensors:

    pixel_values [3, H, W]            seeded standard-normal input (already "pre-processed")
    logits       [num_classes]        only when the model has a classification head
    hidden_state [tokens, D]          after the final norm (timm avg-pool models have none:
                                      then the last block's output)
    attention    [layers, heads, tokens, tokens]   post-softmax probabilities

Expected values are the float32 forward of the weights AS STORED: each checkpoint is written,
read back with the reference's own reader (so F16/BF16 rounding is included) and only then
run. Inputs whose size differs from the training grid exercise position-embedding
interpolation (current transformers form, bicubic a=-0.75, align_corners=False).

Weights are random with realistic scales (see vit_reference.randomize_): qkv gain 1.2 keeps
attention neither uniform nor one-hot. Each case has its own seed, so cases are independent.
tests/fixtures/manifest.json lists every (model, expected) pair for tests/backend/test_golden.cpp.

Some expected files get a rollout_<H>x<W>.safetensors beside them: attention rollout [T, T]
computed with torch from that file's attention (see write_rollout_references), for
tests/analysis/test_attention.cpp.
"""

import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
ANIMALS = ["tabby cat", "golden retriever", "red fox", "barn owl", "goldfish"]
OBJECTS = ["lighthouse", "espresso", "acoustic guitar", "steam locomotive"]

COMMON = {"num_layers": 2, "patch_size": 8, "image_size": 32, "num_channels": 3}


def id2label(names):
    return {str(i): name for i, name in enumerate(names)}


def hf_preprocessor(height, width, resample, mean, std, crop=None, processor="ViTImageProcessor"):
    config = {
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": mean,
        "image_processor_type": processor,
        "image_std": std,
        "resample": resample,
        "rescale_factor": 0.00392156862745098,
        "size": {"height": height, "width": width},
    }
    if crop:
        config.update({"do_center_crop": True, "crop_size": {"height": crop, "width": crop}})
    return config


def timm_pretrained_cfg(num_classes, mean, std, crop_pct=0.875):
    return {
        "tag": "fixture",
        "input_size": [3, 32, 32],
        "fixed_input_size": False,
        "interpolation": "bicubic",
        "crop_pct": crop_pct,
        "crop_mode": "center",
        "mean": mean,
        "std": std,
        "num_classes": num_classes,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
    }


def random_model(cfg, seed):
    generator = torch.Generator().manual_seed(seed)
    return ref.randomize_(ref.build_model({**COMMON, **cfg}), generator)


class Fixtures:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.cases = []

    def folder(self, name):
        path = os.path.join(self.root, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def expect(self, name, model_rel, model, sizes, seed, notes):
        """Runs `model` (already loaded back from disk) on one seeded input per (H, W)."""
        generator = torch.Generator().manual_seed(seed)
        for height, width in sizes:
            pixels = torch.randn(3, height, width, generator=generator)
            out = ref.run(model, pixels)
            tensors = {"pixel_values": pixels}
            if out["logits"] is not None:
                tensors["logits"] = out["logits"]
            tensors["hidden_state"] = out["hidden_state"]
            tensors["attention"] = out["attention"]
            expected_rel = f"{model_rel.split('/')[0]}/expected_{height}x{width}.safetensors"
            st.write_safetensors(os.path.join(self.root, expected_rel), tensors)
            square = (height, width) == (model.cfg["image_size"],) * 2
            self.cases.append({
                "name": name if square else f"{name}_{height}x{width}",
                "model": model_rel,
                "expected": expected_rel,
                "has_logits": out["logits"] is not None,
                "notes": notes + ("" if square else f"; {height}x{width} input: interpolated position embeddings"),
            })
            report_attention(self.cases[-1]["name"], out["attention"])

    def write_manifest(self):
        st.write_json(os.path.join(self.root, "manifest.json"), {"cases": self.cases})


def report_attention(name, attention):
    peak = attention.max(dim=-1).values
    print(f"{name:38s} attention row max: mean {peak.mean():.3f}, min {peak.min():.3f}, max {peak.max():.3f}")


def hf_vit(fx):
    cfg = {"hidden_size": 48, "num_heads": 4, "mlp_size": 96, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
           "num_classes": 5, "id2label": id2label(ANIMALS)}
    model = random_model(cfg, seed=1001)
    preprocessor = hf_preprocessor(32, 32, 2, [0.5] * 3, [0.5] * 3)
    folder = fx.folder("hf_vit")
    ref.save_hf(model, folder)
    st.write_json(os.path.join(folder, "preprocessor_config.json"), preprocessor)
    stored = ref.load_hf(folder)
    fx.expect("hf_vit", "hf_vit", stored, [(32, 32), (40, 56)], seed=2001,
              notes="ViTForImageClassification, F32, gelu (erf), layer_norm_eps 1e-12")

    sharded = fx.folder("hf_vit_sharded")
    ref.save_hf(model, sharded, num_shards=2)
    st.write_json(os.path.join(sharded, "preprocessor_config.json"), preprocessor)
    check_same_outputs(stored, ref.load_hf(sharded), "hf_vit_sharded")
    square_case = next(case for case in fx.cases if case["name"] == "hf_vit")
    fx.cases.append({**square_case, "name": "hf_vit_sharded", "model": "hf_vit_sharded",
                     "notes": "hf_vit's weights in two shards with model.safetensors.index.json"})


def hf_deit_distilled(fx):
    cfg = {"hidden_size": 48, "num_heads": 3, "mlp_size": 96, "hidden_act": "gelu_new", "layer_norm_eps": 1e-12,
           "num_classes": 4, "distilled": True, "id2label": id2label(OBJECTS)}
    model = random_model(cfg, seed=1002)
    folder = fx.folder("hf_deit_distilled")
    ref.save_hf(model, folder)
    st.write_json(os.path.join(folder, "preprocessor_config.json"),
               hf_preprocessor(36, 36, 3, IMAGENET_MEAN, IMAGENET_STD, crop=32, processor="DeiTImageProcessor"))
    fx.expect("hf_deit_distilled", "hf_deit_distilled", ref.load_hf(folder), [(32, 32), (48, 24)], seed=2002,
              notes="DeiTForImageClassificationWithTeacher: [CLS, DIST, patches], logits = mean of the two heads, "
                    "gelu_new (tanh)")


def hf_dino(fx):
    cfg = {"hidden_size": 32, "num_heads": 2, "mlp_size": 64, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-6,
           "pooler": True}
    model = random_model(cfg, seed=1003)
    folder = fx.folder("hf_dino")
    ref.save_hf(model, folder)
    st.write_json(os.path.join(folder, "preprocessor_config.json"),
               hf_preprocessor(32, 32, 2, IMAGENET_MEAN, IMAGENET_STD))
    fx.expect("hf_dino", "hf_dino", ref.load_hf(folder), [(32, 32)], seed=2003,
              notes="bare ViTModel (no prefix) with pooler.dense, no classifier, quick_gelu, eps 1e-6")


def timm_vit_f16(fx):
    cfg = {"hidden_size": 64, "num_heads": 4, "mlp_size": 128, "layer_norm_eps": 1e-6, "num_classes": 5,
           "global_pool": "avg", "final_norm": False, "fc_norm": True, "layer_scale": True}
    model = random_model(cfg, seed=1004)
    folder = fx.folder("timm_vit_f16")
    path = os.path.join(folder, "model.safetensors")
    ref.save_timm(model, path, dtype="F16")
    config = ref.timm_config(model.cfg, "vit_fixture_patch8_gap_32",
                             timm_pretrained_cfg(5, IMAGENET_MEAN, IMAGENET_STD), label_names=ANIMALS)
    st.write_json(os.path.join(folder, "config.json"), config)
    fx.expect("timm_vit_f16", "timm_vit_f16/model.safetensors", ref.load_timm(path), [(32, 32), (24, 40)],
              seed=2004, notes="timm layout stored as F16: fused qkv, LayerScale, no `norm`, mean pooling + fc_norm; "
                               "hidden_state is the un-normed last block output")


def timm_deit_distilled_bf16(fx):
    cfg = {"hidden_size": 128, "num_heads": 2, "mlp_size": 64, "layer_norm_eps": 1e-6, "num_classes": 3,
           "distilled": True}
    model = random_model(cfg, seed=1005)
    folder = fx.folder("timm_deit_distilled_bf16")
    path = os.path.join(folder, "deit_distilled_bf16.safetensors")
    ref.save_timm(model, path, dtype="BF16")
    fx.expect("timm_deit_distilled_bf16", "timm_deit_distilled_bf16/deit_distilled_bf16.safetensors",
              ref.load_timm(path), [(32, 32)], seed=2005,
              notes="timm distilled layout stored as BF16, no config.json: heads = 128/64 = 2, "
                    "dist_token + head_dist averaged, gelu (erf), eps 1e-6")


def timm_no_embed_class(fx):
    cfg = {"hidden_size": 48, "num_heads": 3, "mlp_size": 96, "layer_norm_eps": 1e-6, "num_classes": 4,
           "no_embed_class": True}
    model = random_model(cfg, seed=1006)
    folder = fx.folder("timm_no_embed_class")
    path = os.path.join(folder, "model.safetensors")
    ref.save_timm(model, path)
    config = ref.timm_config(model.cfg, "vit_fixture_patch8_noembed_32",
                             timm_pretrained_cfg(4, [0.5] * 3, [0.5] * 3, crop_pct=1.0), label_names=OBJECTS)
    st.write_json(os.path.join(folder, "config.json"), config)
    fx.expect("timm_no_embed_class", "timm_no_embed_class/model.safetensors", ref.load_timm(path),
              [(32, 32), (40, 24)], seed=2006,
              notes="timm no_embed_class, F32: pos_embed has N rows, added to patches before the CLS token is "
                    "prepended")


# --- Attention rollout references (tests/analysis/test_attention.cpp) -------------------------------
# Separate from the forward fixtures above: they read the attention an expected_*.safetensors
# already holds and write rollout_<H>x<W>.safetensors beside it, leaving every other file as
# it is. Regenerate just these with `/usr/bin/python3 tools/make_fixtures.py --rollout-only`.

# The YOLOS case (written by tools/make_yolos_fixtures.py) puts detection tokens in the rows.
ROLLOUT_CASES = ["hf_vit/expected_32x32.safetensors", "hf_vit/expected_40x56.safetensors",
                 "hf_deit_distilled/expected_32x32.safetensors", "yolos/yolos_mid/expected_40x56.safetensors"]
# (tensor name, head fusion, discard ratio)
ROLLOUT_VARIANTS = [("rollout_mean", "mean", 0.0), ("rollout_max_discard50", "max", 0.5),
                    ("rollout_min_discard25", "min", 0.25)]


def attention_rollout(attention, fusion, discard):
    """Abnar & Zuidema rollout through every layer of attention [L, heads, T, T] -> [T, T].

    As jacobgil/vit-explain, with its column-normalisation bug (issue 16) fixed: per layer
    fuse the heads, zero the int(T*T*discard) smallest fused weights except the flat index 0
    (CLS->CLS), A = (W + I) / 2, divide each ROW by its sum, rollout = A_L ... A_1 A_0.
    Row q of the result is query token q's rollout; every row sums to 1."""
    tokens = attention.shape[-1]
    result = torch.eye(tokens, dtype=torch.float64)
    for layer in attention:
        fused = {"mean": layer.mean(dim=0), "max": layer.max(dim=0).values, "min": layer.min(dim=0).values}[fusion]
        flat = fused.reshape(-1).clone()
        _, lowest = flat.topk(int(flat.numel() * discard), largest=False)
        flat[lowest[lowest != 0]] = 0
        a = (flat.reshape(tokens, tokens).double() + torch.eye(tokens, dtype=torch.float64)) / 2
        a = a / a.sum(dim=-1, keepdim=True)
        result = a @ result
    return result.float()


def write_rollout_references(root):
    for expected_rel in ROLLOUT_CASES:
        attention = st.read_safetensors(os.path.join(root, expected_rel))["attention"]
        tensors = {name: attention_rollout(attention, fusion, discard) for name, fusion, discard in ROLLOUT_VARIANTS}
        for name, rollout in tensors.items():
            worst = (rollout.double().sum(dim=-1) - 1).abs().max().item()
            if worst > 1e-5:
                raise SystemExit(f"{expected_rel}: {name} rows do not sum to 1 (off by {worst:g})")
        st.write_safetensors(os.path.join(root, expected_rel.replace("expected_", "rollout_")), tensors)
        print(f"{expected_rel.replace('expected_', 'rollout_'):44s} {', '.join(tensors)}")


def check_same_outputs(a, b, what):
    pixels = torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(0))
    out_a, out_b = ref.run(a, pixels), ref.run(b, pixels)
    for key in ("logits", "hidden_state", "attention"):
        if not torch.equal(out_a[key], out_b[key]):
            raise SystemExit(f"{what}: {key} differs from the unsharded model")


def main():
    torch.set_num_threads(1)  # one summation order, so reruns are byte-identical
    if sys.argv[1:] == ["--rollout-only"]:
        write_rollout_references(os.path.abspath(ROOT))
        return
    fx = Fixtures(ROOT)
    for make in (hf_vit, hf_deit_distilled, hf_dino, timm_vit_f16, timm_deit_distilled_bf16, timm_no_embed_class):
        make(fx)
    fx.write_manifest()
    write_rollout_references(fx.root)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(fx.root) for f in files)
    print(f"{len(fx.cases)} cases, {total / 1024:.0f} KiB under {os.path.normpath(fx.root)}")


if __name__ == "__main__":
    main()
