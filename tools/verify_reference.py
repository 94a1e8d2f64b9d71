"""Second opinions on tools/vit_reference.py and on the committed golden fixtures.

    /usr/bin/python3 tools/verify_reference.py [--timm-pos-embed PATH/timm/layers/pos_embed.py]

Checks, each against code that shares nothing with the reference's forward pass:
  1. attention of a reference block == torch.nn.MultiheadAttention fed the fused qkv and proj;
  2. the activations == their textbook formulas;
  3. bicubic position-embedding resampling == a NumPy transcription of PyTorch's
     upsample_bicubic2d (a = -0.75, align_corners=False, border taps clamped), and the
     antialiased form timm uses == a NumPy transcription of Pillow's Resample.c
     precompute_coeffs (a = -0.5, support widened by the downscale, renormalised);
  4. safetensors round trips (F32/F16/BF16 bit patterns, header padding, gap rejection);
  5. every case in tests/fixtures/manifest.json: the committed expected outputs == a
     float64 NumPy forward written straight from the checkpoint's Hugging Face or timm
     tensor names (per-head loops for HF; timm's reshape(T, 3, heads, dh) split with q
     scaled first), which also bounds the float32 rounding left in the fixtures; and the
     same for every case in tests/fixtures/sizes/manifest.json (logits and attention).
With --timm-pos-embed (timm's own source file, e.g. from a checkout of
huggingface/pytorch-image-models; timm need not be installed) the reference's timm position
resampling is also compared with timm's resample_abs_pos_embed itself.
Exits non-zero on the first failure.
"""

import json
import math
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
_erf = np.vectorize(math.erf)


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok  {message}")


# 1 ---------------------------------------------------------------------------------------


def check_multihead_attention():
    cfg = {"hidden_size": 48, "num_heads": 3, "mlp_size": 64, "num_layers": 1, "patch_size": 8, "image_size": 32}
    model = ref.randomize_(ref.build_model(cfg), torch.Generator().manual_seed(7)).double()
    block = model.blocks[0]
    x = torch.randn(17, 48, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    context, probs = block.attention(x)
    mha = torch.nn.MultiheadAttention(48, 3, batch_first=True).double().eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(block.qkv.weight)
        mha.in_proj_bias.copy_(block.qkv.bias)
        mha.out_proj.weight.copy_(block.proj.weight)
        mha.out_proj.bias.copy_(block.proj.bias)
        out, weights = mha(x[None], x[None], x[None], need_weights=True, average_attn_weights=False)
        mine = block.proj(context)
    check((weights[0] - probs).abs().max() < 1e-12, "per-head attention probabilities == nn.MultiheadAttention")
    check((out[0] - mine).abs().max() < 1e-12, "attention output == nn.MultiheadAttention")


# 2 ---------------------------------------------------------------------------------------


def check_activations():
    x = torch.linspace(-6, 6, 2001, dtype=torch.float64)
    xn = x.numpy()
    erf_gelu = 0.5 * xn * (1 + _erf(xn / math.sqrt(2)))
    tanh_gelu = 0.5 * xn * (1 + np.tanh(math.sqrt(2 / math.pi) * (xn + 0.044715 * xn ** 3)))
    expected = {"gelu": erf_gelu, "gelu_python": erf_gelu, "gelu_new": tanh_gelu, "gelu_fast": tanh_gelu,
                "gelu_pytorch_tanh": tanh_gelu, "quick_gelu": xn / (1 + np.exp(-1.702 * xn)),
                "relu": np.maximum(xn, 0)}
    for name, values in expected.items():
        err = np.abs(ref.activation(name)(x).numpy() - values).max()
        check(err < 1e-9, f"hidden_act {name} matches its formula (max err {err:.1e})")


# 3 ---------------------------------------------------------------------------------------


def cubic_taps(t, a=-0.75):
    near = lambda s: ((a + 2) * s - (a + 3)) * s * s + 1  # noqa: E731  |s| <= 1
    far = lambda s: ((a * s - 5 * a) * s + 8 * a) * s - 4 * a  # noqa: E731  1 < |s| < 2
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def resize_axis(values, axis, size):
    values = np.moveaxis(values, axis, 0)
    n = values.shape[0]
    out = np.zeros((size,) + values.shape[1:])
    for o in range(size):
        src = (o + 0.5) * n / size - 0.5  # no clamping of src for cubic, only of the taps
        base = math.floor(src)
        for k, w in enumerate(cubic_taps(src - base)):
            out[o] += w * values[min(max(base - 1 + k, 0), n - 1)]
    return np.moveaxis(out, 0, axis)


def resize_axis_antialiased(values, axis, size):
    """Pillow's precompute_coeffs with the bicubic filter (a = -0.5), in float64."""
    values = np.moveaxis(values, axis, 0)
    n = values.shape[0]
    scale = n / size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    out = np.zeros((size,) + values.shape[1:])
    for o in range(size):
        center = (o + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), n)
        weights = [cubic_kernel((x - center + 0.5) / filterscale, -0.5) for x in range(xmin, xmax)]
        total = sum(weights)
        for x, w in zip(range(xmin, xmax), weights):
            out[o] += w / total * values[x]
    return np.moveaxis(out, 0, axis)


def cubic_kernel(x, a):
    x = abs(x)
    if x < 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0.0


def numpy_interpolate(table, prefix, grid0, grid, antialias=False):
    if tuple(grid0) == tuple(grid):
        return table
    resize = resize_axis_antialiased if antialias else resize_axis
    patches = table[prefix:].reshape(grid0[0], grid0[1], -1)
    patches = resize(resize(patches, 0, grid[0]), 1, grid[1])
    return np.concatenate([table[:prefix], patches.reshape(grid[0] * grid[1], -1)])


def check_bicubic():
    table = torch.randn(2 + 16, 5, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    for grid in [(5, 7), (3, 5), (6, 3), (8, 8), (1, 2), (4, 4)]:
        mine = ref.interpolate_pos_embed(table, 2, (4, 4), grid).numpy()
        err = np.abs(mine - numpy_interpolate(table.numpy(), 2, (4, 4), grid)).max()
        check(err < 1e-12, f"position embeddings 4x4 -> {grid[0]}x{grid[1]} == NumPy bicubic a=-0.75")
        mine = ref.interpolate_pos_embed(table, 2, (4, 4), grid, "antialiased_bicubic").numpy()
        err = np.abs(mine - numpy_interpolate(table.numpy(), 2, (4, 4), grid, antialias=True)).max()
        check(err < 1e-12, f"timm position embeddings 4x4 -> {grid[0]}x{grid[1]} == NumPy Pillow bicubic a=-0.5")


# 4 ---------------------------------------------------------------------------------------


def check_safetensors():
    t = torch.randn(3, 5, generator=torch.Generator().manual_seed(10)) * 100
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.safetensors")
        for code, torch_dtype in [("F32", torch.float32), ("F16", torch.float16), ("BF16", torch.bfloat16)]:
            st.write_safetensors(path, {"t": t, "u": t[:1]}, code)
            back, dtypes = st.read_safetensors(path, with_dtypes=True)
            check(torch.equal(back["t"], t.to(torch_dtype).float()) and dtypes["t"] == code,
                  f"{code} round trip equals torch's own {torch_dtype} rounding")
            header, data_start = st.read_safetensors_header(path)
            check(data_start % 8 == 0, f"{code} header padded so data starts 8-byte aligned")
        raw = open(path, "rb").read()
        bits = np.frombuffer(raw[data_start:data_start + 2], dtype="<u2")[0]
        check(bits == t[0, 0].to(torch.bfloat16).view(torch.int16).item() & 0xFFFF, "BF16 stores torch's bit pattern")
        header["u"]["data_offsets"] = [header["u"]["data_offsets"][0] + 2, header["u"]["data_offsets"][1] + 2]
        text = json.dumps(header).encode()
        with open(path, "wb") as f:
            f.write(len(text).to_bytes(8, "little") + text + raw[data_start:] + b"\0\0")
        try:
            st.read_safetensors(path)
            check(False, "gapped offsets are rejected")
        except ValueError:
            check(True, "gapped offsets are rejected")


# 5 ---------------------------------------------------------------------------------------


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


NUMPY_ACT = {
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    "gelu_new": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
    "quick_gelu": lambda x: x / (1 + np.exp(-1.702 * x)),
}


def patchify(pixels, weight, bias):
    """Explicit stride-P convolution: one (channel, row, column)-flattened patch per row."""
    c, h, w = pixels.shape
    p = weight.shape[-1]
    rows = [pixels[:, r:r + p, q:q + p].reshape(-1) for r in range(0, h, p) for q in range(0, w, p)]
    return np.stack(rows) @ weight.reshape(weight.shape[0], -1).T + bias


def numpy_hf_forward(folder, pixels):
    config = json.load(open(os.path.join(folder, "config.json")))
    sd = {k: v.double().numpy() for k, v in st.read_checkpoint_folder(folder).items()}
    arch = config["architectures"][0]
    pre = {"ViTForImageClassification": "vit.", "ViTModel": "", "DeiTForImageClassificationWithTeacher": "deit."}[arch]
    eps, heads, p = config["layer_norm_eps"], config["num_attention_heads"], config["patch_size"]
    act = NUMPY_ACT[config["hidden_act"]]
    e = pre + "embeddings."
    prefix = [sd[e + "cls_token"][0]] + ([sd[e + "distillation_token"][0]] if e + "distillation_token" in sd else [])
    prefix = np.concatenate(prefix)
    g0 = config["image_size"] // p
    pos = numpy_interpolate(sd[e + "position_embeddings"][0], len(prefix), (g0, g0),
                            (pixels.shape[1] // p, pixels.shape[2] // p))
    patches = patchify(pixels, sd[e + "patch_embeddings.projection.weight"], sd[e + "patch_embeddings.projection.bias"])
    x = np.concatenate([prefix, patches]) + pos
    attention = []
    for i in range(config["num_hidden_layers"]):
        L = f"{pre}encoder.layer.{i}."
        lin = lambda name, v: v @ sd[L + name + ".weight"].T + sd[L + name + ".bias"]  # noqa: E731
        h = layer_norm(x, sd[L + "layernorm_before.weight"], sd[L + "layernorm_before.bias"], eps)
        q, k, v = (lin(f"attention.attention.{n}", h) for n in ("query", "key", "value"))
        dh = q.shape[1] // heads
        context, probs = np.zeros_like(q), []
        for head in range(heads):
            cols = slice(head * dh, (head + 1) * dh)
            prob = softmax(q[:, cols] @ k[:, cols].T / math.sqrt(dh))
            context[:, cols] = prob @ v[:, cols]
            probs.append(prob)
        attention.append(probs)
        x = x + lin("attention.output.dense", context)
        h = layer_norm(x, sd[L + "layernorm_after.weight"], sd[L + "layernorm_after.bias"], eps)
        x = x + lin("output.dense", act(lin("intermediate.dense", h)))
    hidden = layer_norm(x, sd[pre + "layernorm.weight"], sd[pre + "layernorm.bias"], eps)
    head = lambda name, v: v @ sd[name + ".weight"].T + sd[name + ".bias"]  # noqa: E731
    if arch == "ViTForImageClassification":
        logits = head("classifier", hidden[0])
    elif arch == "DeiTForImageClassificationWithTeacher":
        logits = (head("cls_classifier", hidden[0]) + head("distillation_classifier", hidden[1])) / 2
    else:
        logits = None
    return logits, hidden, np.array(attention)


def numpy_timm_forward(path, pixels):
    sd = {k: v.double().numpy() for k, v in st.read_safetensors(path).items()}
    config_path = os.path.join(os.path.dirname(path), "config.json")
    config = json.load(open(config_path)) if os.path.exists(config_path) else {}
    args = config.get("model_args", {})
    d = sd["cls_token"].shape[-1]
    heads = args.get("num_heads", d // 64)
    no_embed_class = args.get("no_embed_class", False)
    prefix = np.concatenate([sd["cls_token"][0]] + ([sd["dist_token"][0]] if "dist_token" in sd else []))
    p = sd["patch_embed.proj.weight"].shape[-1]
    grid = (pixels.shape[1] // p, pixels.shape[2] // p)
    patches = patchify(pixels, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"])
    pos_prefix = 0 if no_embed_class else len(prefix)
    g0 = math.isqrt(sd["pos_embed"].shape[1] - pos_prefix)
    pos = numpy_interpolate(sd["pos_embed"][0], pos_prefix, (g0, g0), grid, antialias=True)
    if no_embed_class:
        x = np.concatenate([prefix, patches + pos])
    else:
        x = np.concatenate([prefix, patches]) + pos
    tokens = x.shape[0]
    attention, i = [], 0
    while f"blocks.{i}.norm1.weight" in sd:
        B = f"blocks.{i}."
        lin = lambda name, v: v @ sd[B + name + ".weight"].T + sd[B + name + ".bias"]  # noqa: E731
        gamma = lambda name: sd.get(B + name + ".gamma", 1.0)  # noqa: E731
        h = layer_norm(x, sd[B + "norm1.weight"], sd[B + "norm1.bias"], 1e-6)
        qkv = lin("attn.qkv", h).reshape(tokens, 3, heads, d // heads).transpose(1, 2, 0, 3)
        q, k, v = qkv[0] * (d // heads) ** -0.5, qkv[1], qkv[2]
        probs = softmax(q @ k.transpose(0, 2, 1))
        attention.append(probs)
        x = x + gamma("ls1") * lin("attn.proj", (probs @ v).transpose(1, 0, 2).reshape(tokens, d))
        h = layer_norm(x, sd[B + "norm2.weight"], sd[B + "norm2.bias"], 1e-6)
        x = x + gamma("ls2") * lin("mlp.fc2", NUMPY_ACT["gelu"](lin("mlp.fc1", h)))
        i += 1
    hidden = layer_norm(x, sd["norm.weight"], sd["norm.bias"], 1e-6) if "norm.weight" in sd else x
    head = lambda name, v: v @ sd[name + ".weight"].T + sd[name + ".bias"]  # noqa: E731
    if config.get("global_pool") == "avg":
        pooled = hidden[len(prefix):].mean(0)
        logits = head("head", layer_norm(pooled, sd["fc_norm.weight"], sd["fc_norm.bias"], 1e-6))
    elif "head_dist.weight" in sd:
        logits = (head("head", hidden[0]) + head("head_dist", hidden[1])) / 2
    else:
        logits = head("head", hidden[0])
    return logits, hidden, np.array(attention)


def check_fixtures():
    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    for case in manifest["cases"]:
        expected = st.read_safetensors(os.path.join(FIXTURES, case["expected"]))
        model_path = os.path.join(FIXTURES, case["model"])
        pixels = expected["pixel_values"].double().numpy()
        forward = numpy_timm_forward if model_path.endswith(".safetensors") else numpy_hf_forward
        logits, hidden, attention = forward(model_path, pixels)
        errors = {"hidden_state": np.abs(hidden - expected["hidden_state"].numpy()).max(),
                  "attention": np.abs(attention - expected["attention"].numpy()).max()}
        if case["has_logits"]:
            errors["logits"] = np.abs(logits - expected["logits"].numpy()).max()
        check(("logits" in expected) == case["has_logits"] and (logits is not None) == case["has_logits"],
              f"{case['name']}: logits present exactly when the manifest says so")
        summary = ", ".join(f"{k} {v:.1e}" for k, v in errors.items())
        check(errors["attention"] < 2e-6 and max(errors.values()) < 2e-5,
              f"{case['name']}: expected outputs == float64 NumPy forward ({summary})")


def check_size_fixtures():
    manifest = json.load(open(os.path.join(FIXTURES, "sizes", "manifest.json")))
    for case in manifest["cases"]:
        expected = st.read_safetensors(os.path.join(FIXTURES, "sizes", case["name"] + ".safetensors"))
        model_path = os.path.join(FIXTURES, case["model"])
        forward = numpy_timm_forward if case["framework"] == "timm" else numpy_hf_forward
        logits, _, attention = forward(model_path, expected["pixel_values"].double().numpy())
        errors = {"logits": np.abs(logits - expected["logits"].numpy()).max(),
                  "attention": np.abs(attention - expected["attention"].numpy()).max()}
        summary = ", ".join(f"{k} {v:.1e}" for k, v in errors.items())
        check(errors["attention"] < 2e-6 and errors["logits"] < 2e-5,
              f"sizes/{case['name']} (--size {case['size']}): expected outputs == float64 NumPy forward ({summary})")


def check_timm_source(path):
    """Runs timm's resample_abs_pos_embed from its source file (its decorators stubbed out)."""
    source = open(path).read()
    source = source.replace("from ._fx import register_notrace_function", "register_notrace_function = lambda f: f")
    source = source.replace("@torch.fx.wrap\n", "")
    timm = {}
    exec(compile(source, path, "exec"), timm)
    generator = torch.Generator().manual_seed(11)
    for prefix in (0, 1, 2):
        for grid in [(2, 3), (3, 5), (6, 5), (1, 1), (7, 2), (4, 4)]:
            table = torch.randn(prefix + 16, 8, generator=generator)
            theirs = timm["resample_abs_pos_embed"](table[None], new_size=list(grid), old_size=[4, 4],
                                                    num_prefix_tokens=prefix)[0]
            mine = ref.interpolate_pos_embed(table, prefix, (4, 4), grid, "antialiased_bicubic")
            check(torch.equal(theirs, mine), f"timm's resample_abs_pos_embed 4x4 -> {grid[0]}x{grid[1]}, "
                                             f"{prefix} prefix rows == the reference's, bit for bit")


if __name__ == "__main__":
    check_multihead_attention()
    check_activations()
    check_bicubic()
    check_safetensors()
    check_fixtures()
    check_size_fixtures()
    if sys.argv[1:2] == ["--timm-pos-embed"]:
        check_timm_source(sys.argv[2])
    print("all reference checks passed")
