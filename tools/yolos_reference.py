"""An independent PyTorch YOLOS (YolosForObjectDetection) for ViTLens's golden tests.

Written from transformers' YOLOS semantics, not copied from it:

  tokens  = [CLS, patches (raster order), detection tokens]
  x       = tokens + resample(position_embeddings)
  layer i : x = Block(x); for i < L-1 with mid-position embeddings: x = x + resample(mid[i])
  hidden  = LayerNorm(x)
  logits  = MLP_class(hidden[-S:])            # [S, num_labels + 1], the last is "no object"
  boxes   = sigmoid(MLP_box(hidden[-S:]))     # [S, 4] as (cx, cy, w, h) relative to the input

resample() ALWAYS runs PyTorch's bicubic (a = -0.75, align_corners=False) on the patch rows,
from the training grid (image_size // patch_size per side) to the input grid; CLS and
detection rows pass through. The encoder block is vit_reference.Block (pre-norm ViT layer),
MLPs are Linear, ReLU, Linear, ReLU, Linear.

Checkpoints are written and read in the Hugging Face layout (config.json, model.safetensors,
preprocessor_config.json of a YolosImageProcessor).
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import vit_reference as vit
from safetensors_io import read_safetensors, write_json, write_safetensors

DEFAULTS = {
    "hidden_size": 768,
    "num_layers": 12,
    "num_heads": 12,
    "mlp_size": 3072,
    "patch_size": 16,
    "num_channels": 3,
    "image_size": (512, 864),  # YolosConfig's default training size
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "qkv_bias": True,
    "layer_scale": False,
    "num_detection_tokens": 100,
    "use_mid_position_embeddings": True,
    "num_labels": 91,
    "id2label": None,
}


def resample_positions(table, grid0, grid, num_detection_tokens):
    """[..., 1 + gh0*gw0 + S, D] -> [..., 1 + gh*gw + S, D]; always resamples, like YOLOS."""
    lead, dim = table.shape[:-2], table.shape[-1]
    flat = table.reshape(-1, table.shape[-2], dim)
    cls, patches, det = flat[:, :1], flat[:, 1:-num_detection_tokens], flat[:, -num_detection_tokens:]
    patches = patches.reshape(-1, grid0[0], grid0[1], dim).permute(0, 3, 1, 2)
    patches = F.interpolate(patches, size=tuple(grid), mode="bicubic", align_corners=False)
    patches = patches.permute(0, 2, 3, 1).reshape(flat.shape[0], grid[0] * grid[1], dim)
    out = torch.cat([cls, patches, det], dim=1)
    return out.reshape(*lead, out.shape[1], dim)


def mlp(layers, x):
    for i, layer in enumerate(layers):
        x = layer(x)
        if i + 1 < len(layers):
            x = F.relu(x)
    return x


class YolosReference(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg = {**DEFAULTS, **cfg}
        cfg["image_size"] = tuple(cfg["image_size"])
        self.cfg = cfg
        d, p, s = cfg["hidden_size"], cfg["patch_size"], cfg["num_detection_tokens"]
        self.grid0 = (cfg["image_size"][0] // p, cfg["image_size"][1] // p)
        positions = 1 + self.grid0[0] * self.grid0[1] + s
        self.patch_embed = nn.Conv2d(cfg["num_channels"], d, kernel_size=p, stride=p)
        self.cls_token = nn.Parameter(torch.zeros(1, d))
        self.det_tokens = nn.Parameter(torch.zeros(s, d))
        self.pos_embed = nn.Parameter(torch.zeros(positions, d))
        use_mid = cfg["use_mid_position_embeddings"] and cfg["num_layers"] > 1
        self.mid_pos_embed = nn.Parameter(torch.zeros(cfg["num_layers"] - 1, positions, d)) if use_mid else None
        self.blocks = nn.ModuleList(vit.Block(cfg) for _ in range(cfg["num_layers"]))
        self.norm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.class_mlp = nn.ModuleList([nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, cfg["num_labels"] + 1)])
        self.box_mlp = nn.ModuleList([nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, 4)])

    def forward(self, pixels, keep_attention=True):
        """pixels [C, H, W] -> hidden_state [T, D], attention [L, heads, T, T] (None without
        keep_attention), detection_logits [S, num_labels + 1], detection_boxes [S, 4]."""
        p, s = self.cfg["patch_size"], self.cfg["num_detection_tokens"]
        _, h, w = pixels.shape
        if h % p or w % p:
            raise ValueError(f"input {h}x{w} is not a multiple of the patch size {p}")
        grid = (h // p, w // p)
        patches = self.patch_embed(pixels.unsqueeze(0))[0].flatten(1).transpose(0, 1)
        x = torch.cat([self.cls_token, patches, self.det_tokens], dim=0)
        x = x + resample_positions(self.pos_embed, self.grid0, grid, s)
        mid = resample_positions(self.mid_pos_embed, self.grid0, grid, s) if self.mid_pos_embed is not None else None
        attention = []
        for i, block in enumerate(self.blocks):
            x, probs = block(x)
            if keep_attention:
                attention.append(probs)
            if mid is not None and i < len(self.blocks) - 1:
                x = x + mid[i]
        hidden = self.norm(x)
        det = hidden[-s:]
        return {
            "hidden_state": hidden,
            "attention": torch.stack(attention) if keep_attention else None,
            "detection_logits": mlp(self.class_mlp, det),
            "detection_boxes": mlp(self.box_mlp, det).sigmoid(),
        }


def build_model(cfg):
    return YolosReference(cfg).eval()


@torch.no_grad()
def randomize_(model, generator, token_std=0.2):
    """vit_reference.randomize_'s scales, and token_std for tokens and position tables."""
    vit.randomize_(model, generator, token_std=token_std)
    for name in ("cls_token", "det_tokens", "pos_embed", "mid_pos_embed"):
        param = getattr(model, name)
        if param is not None:
            param.copy_(token_std * torch.randn(param.shape, generator=generator))
    return model


def run(model, pixels):
    with torch.no_grad():
        return model(pixels.to(torch.float32))


# ---------------------------------------------------------------------------------------
# Hugging Face layout

_MLPS = (("class_labels_classifier", "class_mlp"), ("bbox_predictor", "box_mlp"))


def hf_state_dict(model):
    cfg = model.cfg
    d = cfg["hidden_size"]
    sd = {
        "vit.embeddings.cls_token": model.cls_token.reshape(1, 1, d),
        "vit.embeddings.detection_tokens": model.det_tokens.unsqueeze(0),
        "vit.embeddings.position_embeddings": model.pos_embed.unsqueeze(0),
        "vit.embeddings.patch_embeddings.projection.weight": model.patch_embed.weight,
        "vit.embeddings.patch_embeddings.projection.bias": model.patch_embed.bias,
    }
    for i, block in enumerate(model.blocks):
        layer = f"vit.encoder.layer.{i}."
        vit._put_norm(sd, layer + "layernorm_before", block.norm1)
        for j, part in enumerate(("query", "key", "value")):
            sd[f"{layer}attention.attention.{part}.weight"] = block.qkv.weight[j * d:(j + 1) * d]
            sd[f"{layer}attention.attention.{part}.bias"] = block.qkv.bias[j * d:(j + 1) * d]
        vit._put_linear(sd, layer + "attention.output.dense", block.proj)
        vit._put_norm(sd, layer + "layernorm_after", block.norm2)
        vit._put_linear(sd, layer + "intermediate.dense", block.fc1)
        vit._put_linear(sd, layer + "output.dense", block.fc2)
    if model.mid_pos_embed is not None:
        sd["vit.encoder.mid_position_embeddings"] = model.mid_pos_embed.unsqueeze(1)
    vit._put_norm(sd, "vit.layernorm", model.norm)
    for hf_name, attribute in _MLPS:
        for i, layer in enumerate(getattr(model, attribute)):
            vit._put_linear(sd, f"{hf_name}.layers.{i}", layer)
    return {k: v.detach().clone() for k, v in sd.items()}


def hf_config(cfg, with_id2label=True):
    config = {
        "architectures": ["YolosForObjectDetection"],
        "attention_probs_dropout_prob": 0.0,
        "hidden_act": cfg["hidden_act"],
        "hidden_dropout_prob": 0.0,
        "hidden_size": cfg["hidden_size"],
        "image_size": list(cfg["image_size"]),
        "initializer_range": 0.02,
        "intermediate_size": cfg["mlp_size"],
        "layer_norm_eps": cfg["layer_norm_eps"],
        "model_type": "yolos",
        "num_attention_heads": cfg["num_heads"],
        "num_channels": cfg["num_channels"],
        "num_detection_tokens": cfg["num_detection_tokens"],
        "num_hidden_layers": cfg["num_layers"],
        "patch_size": cfg["patch_size"],
        "qkv_bias": cfg["qkv_bias"],
        "torch_dtype": "float32",
        "use_mid_position_embeddings": cfg["use_mid_position_embeddings"],
    }
    if with_id2label:
        id2label = cfg["id2label"] or {str(i): f"LABEL_{i}" for i in range(cfg["num_labels"])}
        config["id2label"] = id2label
        config["label2id"] = {name: int(i) for i, name in id2label.items()}
    return config


def hf_preprocessor(shortest_edge, longest_edge=1333):
    return {
        "do_normalize": True,
        "do_pad": True,
        "do_rescale": True,
        "do_resize": True,
        "format": "coco_detection",
        "image_mean": [0.485, 0.456, 0.406],
        "image_processor_type": "YolosImageProcessor",
        "image_std": [0.229, 0.224, 0.225],
        "resample": 2,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": shortest_edge, "longest_edge": longest_edge},
    }


def save_hf(model, folder, shortest_edge, with_id2label=True):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), hf_config(model.cfg, with_id2label))
    write_json(os.path.join(folder, "preprocessor_config.json"), hf_preprocessor(shortest_edge))
    write_safetensors(os.path.join(folder, "model.safetensors"), hf_state_dict(model))


def load_hf(folder):
    """Reads a folder written by save_hf (or any YolosForObjectDetection with these keys)."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    sd = read_safetensors(os.path.join(folder, "model.safetensors"))
    class_rows = sd["class_labels_classifier.layers.2.weight"].shape[0]
    cfg = {
        "hidden_size": config["hidden_size"],
        "num_layers": config["num_hidden_layers"],
        "num_heads": config["num_attention_heads"],
        "mlp_size": config["intermediate_size"],
        "patch_size": config["patch_size"],
        "num_channels": config.get("num_channels", 3),
        "image_size": tuple(config["image_size"]),
        "hidden_act": config.get("hidden_act", "gelu"),
        "layer_norm_eps": config.get("layer_norm_eps", 1e-12),
        "num_detection_tokens": config.get("num_detection_tokens", 100),
        "use_mid_position_embeddings": config.get("use_mid_position_embeddings", True),
        "num_labels": class_rows - 1,
    }
    model = build_model(cfg)
    d = cfg["hidden_size"]
    take = vit._taker(sd)
    with torch.no_grad():
        model.cls_token.copy_(take("vit.embeddings.cls_token").reshape(1, d))
        model.det_tokens.copy_(take("vit.embeddings.detection_tokens")[0])
        model.pos_embed.copy_(take("vit.embeddings.position_embeddings")[0])
        model.patch_embed.weight.copy_(take("vit.embeddings.patch_embeddings.projection.weight"))
        model.patch_embed.bias.copy_(take("vit.embeddings.patch_embeddings.projection.bias"))
        for i, block in enumerate(model.blocks):
            layer = f"vit.encoder.layer.{i}."
            vit._get_norm(take, layer + "layernorm_before", block.norm1)
            parts = [f"{layer}attention.attention.{p}" for p in ("query", "key", "value")]
            block.qkv.weight.copy_(torch.cat([take(p + ".weight") for p in parts]))
            block.qkv.bias.copy_(torch.cat([take(p + ".bias") for p in parts]))
            vit._get_linear(take, layer + "attention.output.dense", block.proj)
            vit._get_norm(take, layer + "layernorm_after", block.norm2)
            vit._get_linear(take, layer + "intermediate.dense", block.fc1)
            vit._get_linear(take, layer + "output.dense", block.fc2)
        if model.mid_pos_embed is not None:
            model.mid_pos_embed.copy_(take("vit.encoder.mid_position_embeddings")[:, 0])
        vit._get_norm(take, "vit.layernorm", model.norm)
        for hf_name, attribute in _MLPS:
            for i, layer in enumerate(getattr(model, attribute)):
                vit._get_linear(take, f"{hf_name}.layers.{i}", layer)
    vit._check_all_taken(sd)
    return model


# ---------------------------------------------------------------------------------------
# YolosImageProcessor's resize size, as transformers' get_size_with_aspect_ratio computes it


def capped_resize_size(height, width, shortest_edge, longest_edge=1333, multiple=16):
    """(out_height, out_width): the shorter side to shortest_edge unless the longer would pass
    longest_edge, then both floored to a multiple of `multiple`."""
    size, raw = shortest_edge, None
    short, long = float(min(height, width)), float(max(height, width))
    if long / short * size > longest_edge:
        raw = longest_edge * short / long
        size = int(round(raw))
    if width < height:
        out_w = size
        out_h = int(raw * height / width) if raw is not None else int(size * height / width)
    elif (height <= width and height == size) or (width <= height and width == size):
        out_h, out_w = height, width
    else:
        out_h = size
        out_w = int(raw * width / height) if raw is not None else int(size * width / height)
    return out_h - out_h % multiple, out_w - out_w % multiple


def post_process(logits, boxes, image_height, image_width, threshold):
    """transformers' post_process_object_detection for one image: [(token, label, score, [x0, y0, x1, y1])]."""
    probs = logits.softmax(-1)
    scores, labels = probs[..., :-1].max(-1)
    cx, cy, w, h = boxes.unbind(-1)
    corners = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)
    corners = corners * torch.tensor([image_width, image_height, image_width, image_height], dtype=torch.float32)
    keep = scores > threshold
    return [(int(t), int(labels[t]), float(scores[t]), [float(v) for v in corners[t]])
            for t in torch.nonzero(keep).flatten()]
