"""Independent PyTorch reference of the Vision Transformer semantics ViTLens implements.

Written from the checkpoint facts in the project notes (Hugging Face transformers
models/vit and models/deit, timm vision_transformer.py) without importing either library,
so that ViTLens's golden fixtures are checked against a second, readable implementation.

One canonical module (`VitReference`) covers every supported layout; only the tensor names
differ between Hugging Face and timm, and the converters below own that mapping:

  * Hugging Face ViTForImageClassification (prefix ``vit.``, ``classifier``),
    ViTModel (no prefix, optional ``pooler.dense``), and
    DeiTForImageClassificationWithTeacher (prefix ``deit.``, ``cls_classifier`` +
    ``distillation_classifier``, logits averaged).
  * timm VisionTransformer (fused ``qkv``, LayerScale ``ls1/ls2.gamma``, ``no_embed_class``,
    ``fc_norm`` after average pooling when ``norm`` is absent) and the distilled variant
    (``dist_token`` + ``head_dist``, averaged at eval).

Position embeddings are resampled for other input sizes the way each framework does it
(prefix rows pass through; the patch rows, viewed as the square training grid, are resized
to (H/P, W/P)):
  * Hugging Face (``pos_embed_resample="bicubic"``): CURRENT transformers'
    ``interpolate_pos_encoding``, ``F.interpolate(mode="bicubic", align_corners=False)``;
  * timm (``pos_embed_resample="antialiased_bicubic"``, what ``load_timm`` builds): timm's
    ``resample_abs_pos_embed`` as ``VisionTransformer._pos_embed`` calls it with
    ``dynamic_img_size=True``: ``F.interpolate(mode="bicubic", antialias=True)``.

Config dict accepted by ``build_model`` (defaults in ``DEFAULTS``):
  hidden_size, num_layers, num_heads, mlp_size, patch_size, num_channels,
  image_size (square training resolution), hidden_act, layer_norm_eps, qkv_bias,
  num_classes (0 = bare encoder), distilled (adds the distillation token and second head),
  global_pool ("token" or "avg"), final_norm, fc_norm, layer_scale, no_embed_class,
  pooler (Hugging Face ViTModel pooler.dense: stored, not used by the outputs),
  id2label ({"0": "name", ...}), pos_embed_resample ("bicubic" or "antialiased_bicubic").

Checkpoints are read and written with tools/safetensors_io.py.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_io import read_checkpoint_folder, read_safetensors, write_json, write_safetensors, write_sharded

DEFAULTS = {
    "hidden_size": 768,
    "num_layers": 12,
    "num_heads": 12,
    "mlp_size": 3072,
    "patch_size": 16,
    "num_channels": 3,
    "image_size": 224,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "qkv_bias": True,
    "num_classes": 0,
    "distilled": False,
    "global_pool": "token",
    "final_norm": True,
    "fc_norm": False,
    "layer_scale": False,
    "no_embed_class": False,
    "pooler": False,
    "id2label": None,
    "pos_embed_resample": "bicubic",
}

# ---------------------------------------------------------------------------------------
# Activations, named as Hugging Face config.json names them.


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _gelu_fast(x):
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_python": lambda x: x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0))),
    "gelu_new": _gelu_tanh,
    "gelu_fast": _gelu_fast,
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
    "relu": F.relu,
}


def activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"unsupported hidden_act {name!r}; known: {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


# ---------------------------------------------------------------------------------------
# Position embeddings


def interpolate_pos_embed(table, prefix, grid0, grid, mode="bicubic"):
    """Resamples the patch rows of `table` [prefix + gh0*gw0, D] from grid0 to grid.

    An unchanged grid returns the table as it is (both frameworks; the training grid is
    square). "bicubic": current transformers, PyTorch's a = -0.75 kernel, align_corners=False.
    "antialiased_bicubic": timm's resample_abs_pos_embed, F.interpolate(size=new_size,
    mode="bicubic", antialias=True) with align_corners left at its default (False).
    """
    if tuple(grid) == tuple(grid0):
        return table
    dim = table.shape[-1]
    head, patches = table[:prefix], table[prefix:]
    patches = patches.reshape(1, grid0[0], grid0[1], dim).permute(0, 3, 1, 2)
    if mode == "antialiased_bicubic":
        patches = F.interpolate(patches, size=tuple(grid), mode="bicubic", antialias=True)
    elif mode == "bicubic":
        patches = F.interpolate(patches, size=tuple(grid), mode="bicubic", align_corners=False)
    else:
        raise ValueError(f"unknown pos_embed_resample {mode!r}")
    patches = patches.permute(0, 2, 3, 1).reshape(grid[0] * grid[1], dim)
    return torch.cat([head, patches], dim=0)


# ---------------------------------------------------------------------------------------
# The model


class Block(nn.Module):
    """Pre-norm encoder block: h = x + ls1*proj(attn(norm1(x))); y = h + ls2*fc2(act(fc1(norm2(h))))."""

    def __init__(self, cfg):
        super().__init__()
        d, i = cfg["hidden_size"], cfg["mlp_size"]
        eps = cfg["layer_norm_eps"]
        self.num_heads = cfg["num_heads"]
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.qkv = nn.Linear(d, 3 * d, bias=cfg["qkv_bias"])  # rows q, then k, then v
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.fc1 = nn.Linear(d, i)
        self.fc2 = nn.Linear(i, d)
        self.act = activation(cfg["hidden_act"])
        self.ls1 = nn.Parameter(torch.ones(d)) if cfg["layer_scale"] else None
        self.ls2 = nn.Parameter(torch.ones(d)) if cfg["layer_scale"] else None

    def attention(self, x):
        """Returns the attention output before `proj` and the probabilities [heads, T, T]."""
        tokens, d = x.shape
        dh = d // self.num_heads
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (t.reshape(tokens, self.num_heads, dh).transpose(0, 1) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
        probs = scores.softmax(dim=-1)
        context = (probs @ v).transpose(0, 1).reshape(tokens, d)
        return context, probs

    def forward(self, x):
        context, probs = self.attention(self.norm1(x))
        branch = self.proj(context)
        x = x + (branch * self.ls1 if self.ls1 is not None else branch)
        branch = self.fc2(self.act(self.fc1(self.norm2(x))))
        x = x + (branch * self.ls2 if self.ls2 is not None else branch)
        return x, probs


class VitReference(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg = {**DEFAULTS, **cfg}
        _check_config(cfg)
        self.cfg = cfg
        d, p = cfg["hidden_size"], cfg["patch_size"]
        self.grid0 = (cfg["image_size"] // p, cfg["image_size"] // p)
        self.num_prefix = 2 if cfg["distilled"] else 1
        self.patch_embed = nn.Conv2d(cfg["num_channels"], d, kernel_size=p, stride=p)
        self.cls_token = nn.Parameter(torch.zeros(1, d))
        self.dist_token = nn.Parameter(torch.zeros(1, d)) if cfg["distilled"] else None
        pos_rows = self.grid0[0] * self.grid0[1] + (0 if cfg["no_embed_class"] else self.num_prefix)
        self.pos_embed = nn.Parameter(torch.zeros(pos_rows, d))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["num_layers"]))
        eps = cfg["layer_norm_eps"]
        self.norm = nn.LayerNorm(d, eps=eps) if cfg["final_norm"] else None
        self.fc_norm = nn.LayerNorm(d, eps=eps) if cfg["fc_norm"] else None
        num_heads = (2 if cfg["distilled"] else 1) if cfg["num_classes"] else 0
        self.heads = nn.ModuleList(nn.Linear(d, cfg["num_classes"]) for _ in range(num_heads))
        self.pooler = nn.Linear(d, d) if cfg["pooler"] else None

    def prefix_tokens(self):
        tokens = [self.cls_token] + ([self.dist_token] if self.dist_token is not None else [])
        return torch.cat(tokens, dim=0)

    def embed(self, pixels):
        p = self.cfg["patch_size"]
        _, h, w = pixels.shape
        if h % p or w % p:
            raise ValueError(f"input {h}x{w} is not a multiple of the patch size {p}")
        patches = self.patch_embed(pixels.unsqueeze(0))[0].flatten(1).transpose(0, 1)  # [N, D], row-major grid
        prefix_rows = 0 if self.cfg["no_embed_class"] else self.num_prefix
        pos = interpolate_pos_embed(self.pos_embed, prefix_rows, self.grid0, (h // p, w // p),
                                    self.cfg["pos_embed_resample"])
        if self.cfg["no_embed_class"]:
            return torch.cat([self.prefix_tokens(), patches + pos], dim=0)
        return torch.cat([self.prefix_tokens(), patches], dim=0) + pos

    def classify(self, hidden):
        if self.cfg["global_pool"] == "avg":
            features = [hidden[self.num_prefix:].mean(dim=0)] * len(self.heads)
        else:
            features = [hidden[i] for i in range(len(self.heads))]
        if self.fc_norm is not None:
            features = [self.fc_norm(f) for f in features]
        logits = [head(f) for head, f in zip(self.heads, features)]
        return sum(logits[1:], logits[0]) / len(logits)

    def forward(self, pixels, keep_attention=True):
        """pixels [C, H, W] -> {"logits": [C] or None, "hidden_state": [T, D], "attention": [L, heads, T, T]}.
        Without keep_attention, "attention" is None and each layer's probabilities are freed
        as soon as that layer is done, as a plain inference would (what benchmarks time)."""
        x = self.embed(pixels)
        attention = []
        for block in self.blocks:
            x, probs = block(x)
            if keep_attention:
                attention.append(probs)
        hidden = self.norm(x) if self.norm is not None else x
        logits = self.classify(hidden) if len(self.heads) else None
        return {"logits": logits, "hidden_state": hidden, "attention": torch.stack(attention) if keep_attention else None}


def _check_config(cfg):
    if cfg["hidden_size"] % cfg["num_heads"]:
        raise ValueError("hidden_size must be a multiple of num_heads")
    if cfg["global_pool"] not in ("token", "avg"):
        raise ValueError(f"global_pool must be 'token' or 'avg', not {cfg['global_pool']!r}")
    if cfg["distilled"] and cfg["global_pool"] != "token":
        raise ValueError("distilled models read their heads from the CLS and distillation tokens")
    activation(cfg["hidden_act"])


def build_model(cfg):
    return VitReference(cfg).eval()


@torch.no_grad()
def randomize_(model, generator, qk_gain=1.2, token_std=0.2):
    """Fills every parameter with seeded random values of a realistic scale.

    Linear and conv weights get std gain/sqrt(fan_in) (qkv uses `qk_gain`, so attention is
    neither uniform nor one-hot), norms get 1 + 0.1*N, LayerScale 0.5 + 0.1*N, biases and
    tokens small offsets. Parameters are visited in registration order, so a seed fixes them.
    """
    for name, param in model.named_parameters():
        noise = torch.randn(param.shape, generator=generator, dtype=torch.float32)
        leaf = name.rsplit(".", 1)[-1]
        if "norm" in name and leaf == "weight":
            param.copy_(1.0 + 0.1 * noise)
        elif name.endswith(("ls1", "ls2")):
            param.copy_(0.5 + 0.1 * noise)
        elif leaf == "bias":
            param.copy_(0.05 * noise)
        elif name in ("cls_token", "dist_token", "pos_embed"):
            param.copy_(token_std * noise)
        else:
            fan_in = param[0].numel()
            gain = qk_gain if name.endswith("qkv.weight") else 1.0
            param.copy_(gain / math.sqrt(fan_in) * noise)
    return model


def run(model, pixels, keep_attention=True):
    """Float32 forward without autograd."""
    with torch.no_grad():
        return model(pixels.to(torch.float32), keep_attention=keep_attention)


# ---------------------------------------------------------------------------------------
# Hugging Face layout

_HF_ARCHITECTURES = {
    "ViTForImageClassification": ("vit.", "vit"),
    "ViTModel": ("", "vit"),
    "DeiTForImageClassificationWithTeacher": ("deit.", "deit"),
}


def hf_architecture(cfg):
    if cfg["distilled"]:
        return "DeiTForImageClassificationWithTeacher"
    return "ViTForImageClassification" if cfg["num_classes"] else "ViTModel"


def _check_hf_compatible(cfg):
    unsupported = [k for k in ("fc_norm", "layer_scale", "no_embed_class") if cfg[k]]
    if unsupported or not cfg["final_norm"] or cfg["global_pool"] != "token":
        raise ValueError(f"the Hugging Face ViT/DeiT layout cannot express {unsupported or 'this pooling'}")


def hf_state_dict(model):
    cfg = model.cfg
    _check_hf_compatible(cfg)
    prefix = _HF_ARCHITECTURES[hf_architecture(cfg)][0]
    d = cfg["hidden_size"]
    sd = {f"{prefix}embeddings.cls_token": model.cls_token.reshape(1, 1, d)}
    if model.dist_token is not None:
        sd[f"{prefix}embeddings.distillation_token"] = model.dist_token.reshape(1, 1, d)
    sd[f"{prefix}embeddings.position_embeddings"] = model.pos_embed.unsqueeze(0)
    sd[f"{prefix}embeddings.patch_embeddings.projection.weight"] = model.patch_embed.weight
    sd[f"{prefix}embeddings.patch_embeddings.projection.bias"] = model.patch_embed.bias
    for i, block in enumerate(model.blocks):
        layer = f"{prefix}encoder.layer.{i}."
        _put_norm(sd, layer + "layernorm_before", block.norm1)
        for j, part in enumerate(("query", "key", "value")):
            sd[f"{layer}attention.attention.{part}.weight"] = block.qkv.weight[j * d:(j + 1) * d]
            if block.qkv.bias is not None:
                sd[f"{layer}attention.attention.{part}.bias"] = block.qkv.bias[j * d:(j + 1) * d]
        _put_linear(sd, layer + "attention.output.dense", block.proj)
        _put_norm(sd, layer + "layernorm_after", block.norm2)
        _put_linear(sd, layer + "intermediate.dense", block.fc1)
        _put_linear(sd, layer + "output.dense", block.fc2)
    _put_norm(sd, f"{prefix}layernorm", model.norm)
    head_names = ["cls_classifier", "distillation_classifier"] if cfg["distilled"] else ["classifier"]
    for name, head in zip(head_names, model.heads):
        _put_linear(sd, name, head)
    if model.pooler is not None:
        _put_linear(sd, "pooler.dense", model.pooler)
    return {k: v.detach().clone() for k, v in sd.items()}


def hf_config(cfg):
    architecture = hf_architecture(cfg)
    config = {
        "architectures": [architecture],
        "attention_probs_dropout_prob": 0.0,
        "encoder_stride": cfg["patch_size"],
        "hidden_act": cfg["hidden_act"],
        "hidden_dropout_prob": 0.0,
        "hidden_size": cfg["hidden_size"],
        "image_size": cfg["image_size"],
        "initializer_range": 0.02,
        "intermediate_size": cfg["mlp_size"],
        "layer_norm_eps": cfg["layer_norm_eps"],
        "model_type": _HF_ARCHITECTURES[architecture][1],
        "num_attention_heads": cfg["num_heads"],
        "num_channels": cfg["num_channels"],
        "num_hidden_layers": cfg["num_layers"],
        "patch_size": cfg["patch_size"],
        "qkv_bias": cfg["qkv_bias"],
        "torch_dtype": "float32",
    }
    if cfg["num_classes"]:
        id2label = cfg["id2label"] or {str(i): f"LABEL_{i}" for i in range(cfg["num_classes"])}
        config["id2label"] = id2label
        config["label2id"] = {name: int(i) for i, name in id2label.items()}
    return config


def save_hf(model, folder, num_shards=1):
    """Writes config.json and model.safetensors (or `num_shards` shards plus the index), F32."""
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), hf_config(model.cfg))
    sd = hf_state_dict(model)
    if num_shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), sd)
    else:
        write_sharded(folder, sd, num_shards)


def load_hf(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    architecture = config["architectures"][0]
    if architecture not in _HF_ARCHITECTURES:
        raise ValueError(f"{folder}: unsupported architecture {architecture}")
    tensors = read_checkpoint_folder(folder)
    id2label = config.get("id2label") if architecture != "ViTModel" else None
    cfg = {
        "hidden_size": config["hidden_size"],
        "num_layers": config["num_hidden_layers"],
        "num_heads": config["num_attention_heads"],
        "mlp_size": config["intermediate_size"],
        "patch_size": config["patch_size"],
        "num_channels": config.get("num_channels", 3),
        "image_size": config["image_size"],
        "hidden_act": config.get("hidden_act", "gelu"),
        "layer_norm_eps": config.get("layer_norm_eps", 1e-12),
        "qkv_bias": config.get("qkv_bias", True),
        "num_classes": len(id2label) if id2label else 0,
        "distilled": architecture == "DeiTForImageClassificationWithTeacher",
        "pooler": "pooler.dense.weight" in tensors,
        "id2label": id2label,
    }
    model = build_model(cfg)
    load_hf_state_dict(model, tensors)
    return model


@torch.no_grad()
def load_hf_state_dict(model, sd):
    cfg = model.cfg
    prefix = _HF_ARCHITECTURES[hf_architecture(cfg)][0]
    sd = dict(sd)
    take = _taker(sd)
    model.cls_token.copy_(take(f"{prefix}embeddings.cls_token").reshape(1, -1))
    if model.dist_token is not None:
        model.dist_token.copy_(take(f"{prefix}embeddings.distillation_token").reshape(1, -1))
    model.pos_embed.copy_(take(f"{prefix}embeddings.position_embeddings")[0])
    model.patch_embed.weight.copy_(take(f"{prefix}embeddings.patch_embeddings.projection.weight"))
    model.patch_embed.bias.copy_(take(f"{prefix}embeddings.patch_embeddings.projection.bias"))
    for i, block in enumerate(model.blocks):
        layer = f"{prefix}encoder.layer.{i}."
        _get_norm(take, layer + "layernorm_before", block.norm1)
        parts = [f"{layer}attention.attention.{p}" for p in ("query", "key", "value")]
        block.qkv.weight.copy_(torch.cat([take(p + ".weight") for p in parts]))
        if block.qkv.bias is not None:
            block.qkv.bias.copy_(torch.cat([take(p + ".bias") for p in parts]))
        _get_linear(take, layer + "attention.output.dense", block.proj)
        _get_norm(take, layer + "layernorm_after", block.norm2)
        _get_linear(take, layer + "intermediate.dense", block.fc1)
        _get_linear(take, layer + "output.dense", block.fc2)
    _get_norm(take, f"{prefix}layernorm", model.norm)
    head_names = ["cls_classifier", "distillation_classifier"] if cfg["distilled"] else ["classifier"]
    for name, head in zip(head_names, model.heads):
        _get_linear(take, name, head)
    if model.pooler is not None:
        _get_linear(take, "pooler.dense", model.pooler)
    _check_all_taken(sd)


# ---------------------------------------------------------------------------------------
# timm layout


def timm_state_dict(model):
    sd = {
        "cls_token": model.cls_token.unsqueeze(0),
        "pos_embed": model.pos_embed.unsqueeze(0),
        "patch_embed.proj.weight": model.patch_embed.weight,
        "patch_embed.proj.bias": model.patch_embed.bias,
    }
    if model.dist_token is not None:
        sd["dist_token"] = model.dist_token.unsqueeze(0)
    for i, block in enumerate(model.blocks):
        b = f"blocks.{i}."
        _put_norm(sd, b + "norm1", block.norm1)
        _put_linear(sd, b + "attn.qkv", block.qkv)
        _put_linear(sd, b + "attn.proj", block.proj)
        if block.ls1 is not None:
            sd[b + "ls1.gamma"] = block.ls1
            sd[b + "ls2.gamma"] = block.ls2
        _put_norm(sd, b + "norm2", block.norm2)
        _put_linear(sd, b + "mlp.fc1", block.fc1)
        _put_linear(sd, b + "mlp.fc2", block.fc2)
    if model.norm is not None:
        _put_norm(sd, "norm", model.norm)
    if model.fc_norm is not None:
        _put_norm(sd, "fc_norm", model.fc_norm)
    for name, head in zip(["head", "head_dist"], model.heads):
        _put_linear(sd, name, head)
    return {k: v.detach().clone() for k, v in sd.items()}


def timm_config(cfg, architecture, pretrained_cfg=None, label_names=None):
    """A timm hub-style config.json: shapes come from the weights, heads from model_args."""
    model_args = {"num_heads": cfg["num_heads"]}
    if cfg["no_embed_class"]:
        model_args["no_embed_class"] = True
    config = {
        "architecture": architecture,
        "num_classes": cfg["num_classes"],
        "num_features": cfg["hidden_size"],
        "global_pool": cfg["global_pool"],
        "model_args": model_args,
        "pretrained_cfg": pretrained_cfg or {},
    }
    if label_names:
        config["label_names"] = list(label_names)
    return config


def save_timm(model, path, dtype="F32"):
    """Writes the timm-named weights to one .safetensors file stored as `dtype`."""
    write_safetensors(path, timm_state_dict(model), dtype)


def load_timm(path, num_heads=None, hidden_act="gelu", layer_norm_eps=1e-6):
    """Loads a timm .safetensors file, inferring the structure from tensor shapes.

    Heads: `num_heads`, else config.json's model_args beside the file, else hidden_size/64.
    """
    tensors = read_safetensors(path)
    config_path = os.path.join(os.path.dirname(path), "config.json")
    config = {}
    if os.path.exists(config_path):
        with open(config_path) as f:
            config = json.load(f)
    args = config.get("model_args", {})
    d = tensors["cls_token"].shape[-1]
    p = tensors["patch_embed.proj.weight"].shape[-1]
    distilled = "dist_token" in tensors
    no_embed_class = bool(args.get("no_embed_class", False))
    rows = tensors["pos_embed"].shape[1] - (0 if no_embed_class else (2 if distilled else 1))
    grid = math.isqrt(rows)
    layers = 1 + max(int(k.split(".")[1]) for k in tensors if k.startswith("blocks."))
    has_fc_norm = "fc_norm.weight" in tensors
    cfg = {
        "hidden_size": d,
        "num_layers": layers,
        "num_heads": num_heads or args.get("num_heads") or d // 64,
        "mlp_size": tensors["blocks.0.mlp.fc1.weight"].shape[0],
        "patch_size": p,
        "num_channels": tensors["patch_embed.proj.weight"].shape[1],
        "image_size": grid * p,
        "hidden_act": hidden_act,
        "layer_norm_eps": layer_norm_eps,
        "qkv_bias": "blocks.0.attn.qkv.bias" in tensors,
        "num_classes": tensors["head.weight"].shape[0] if "head.weight" in tensors else 0,
        "distilled": distilled,
        "global_pool": config.get("global_pool", "avg" if has_fc_norm else "token"),
        "final_norm": "norm.weight" in tensors,
        "fc_norm": has_fc_norm,
        "layer_scale": "blocks.0.ls1.gamma" in tensors,
        "no_embed_class": no_embed_class,
        "pos_embed_resample": "antialiased_bicubic",
    }
    model = build_model(cfg)
    load_timm_state_dict(model, tensors)
    return model


@torch.no_grad()
def load_timm_state_dict(model, sd):
    sd = dict(sd)
    take = _taker(sd)
    model.cls_token.copy_(take("cls_token")[0])
    if model.dist_token is not None:
        model.dist_token.copy_(take("dist_token")[0])
    model.pos_embed.copy_(take("pos_embed")[0])
    model.patch_embed.weight.copy_(take("patch_embed.proj.weight"))
    model.patch_embed.bias.copy_(take("patch_embed.proj.bias"))
    for i, block in enumerate(model.blocks):
        b = f"blocks.{i}."
        _get_norm(take, b + "norm1", block.norm1)
        _get_linear(take, b + "attn.qkv", block.qkv)
        _get_linear(take, b + "attn.proj", block.proj)
        if block.ls1 is not None:
            block.ls1.copy_(take(b + "ls1.gamma"))
            block.ls2.copy_(take(b + "ls2.gamma"))
        _get_norm(take, b + "norm2", block.norm2)
        _get_linear(take, b + "mlp.fc1", block.fc1)
        _get_linear(take, b + "mlp.fc2", block.fc2)
    if model.norm is not None:
        _get_norm(take, "norm", model.norm)
    if model.fc_norm is not None:
        _get_norm(take, "fc_norm", model.fc_norm)
    for name, head in zip(["head", "head_dist"], model.heads):
        _get_linear(take, name, head)
    _check_all_taken(sd)


# ---------------------------------------------------------------------------------------
# Name-mapping helpers


def _put_linear(sd, name, linear):
    sd[name + ".weight"] = linear.weight
    if linear.bias is not None:
        sd[name + ".bias"] = linear.bias


def _put_norm(sd, name, norm):
    sd[name + ".weight"] = norm.weight
    sd[name + ".bias"] = norm.bias


def _taker(sd):
    def take(name):
        if name not in sd:
            raise KeyError(f"checkpoint has no tensor {name!r}")
        return sd.pop(name)

    return take


def _get_linear(take, name, linear):
    linear.weight.copy_(take(name + ".weight"))
    if linear.bias is not None:
        linear.bias.copy_(take(name + ".bias"))


def _get_norm(take, name, norm):
    norm.weight.copy_(take(name + ".weight"))
    norm.bias.copy_(take(name + ".bias"))


def _check_all_taken(remaining):
    if remaining:
        raise KeyError(f"checkpoint has unexpected tensors: {sorted(remaining)}")

