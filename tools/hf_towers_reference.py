"""Independent PyTorch ports of transformers' DINOv2 (with and without registers), CLIP vision
and SigLIP vision models, for ViTLens's golden fixtures.

transformers itself cannot be installed here (no PyPI), so these modules transcribe its
modeling code (models/dinov2/modeling_dinov2.py, dinov2_with_registers, clip/modeling_clip.py,
siglip/modeling_siglip.py, as of transformers 4.5x): the same module tree, so state_dict()
gives the checkpoint's own tensor names, and the same arithmetic, in eager float32:
  - DINOv2: CLS + patch position embeddings, resampled with F.interpolate(size=..., bicubic,
    align_corners=False) (with antialias=True in the registers model) unless the grid is the
    training one; registers inserted after CLS *after* the positions are added; LayerScale
    lambda1; Dinov2SwiGLUFFN when use_swiglu_ffn; the classifier on [CLS, mean of patches].
  - CLIP: class_embedding, bias-free patch conv, pre_layrnorm, post_layernorm on the pooled CLS
    only, visual_projection without bias.
  - SigLIP: no CLS, post_layernorm on every token, SiglipMultiheadAttentionPoolingHead with
    torch.nn.MultiheadAttention (whose averaged weights we do not use: the per-head weights
    are asked for per head, average_attn_weights=False).
Every attention module records its post-softmax probabilities in `self.probabilities`.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from vit_reference import activation


def _interpolate(patch_pos, size, antialias):
    n = patch_pos.shape[1]
    side = int(math.sqrt(n))
    dim = patch_pos.shape[-1]
    grid = patch_pos.reshape(1, side, side, dim).permute(0, 3, 1, 2)
    kwargs = dict(size=size, mode="bicubic", align_corners=False)
    if antialias:
        kwargs["antialias"] = True
    grid = F.interpolate(grid.to(torch.float32), **kwargs)
    return grid.permute(0, 2, 3, 1).reshape(1, -1, dim)


class SelfAttention(nn.Module):
    """softmax(q k^T * head_dim^-0.5) v with the probabilities kept (eager_attention_forward)."""

    def __init__(self, hidden, heads, names=("query", "key", "value"), bias=True):
        super().__init__()
        self.heads = heads
        self.names = names
        for name in names:
            setattr(self, name, nn.Linear(hidden, hidden, bias=bias))
        self.probabilities = None

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = (getattr(self, n)(x).view(b, t, self.heads, dh).transpose(1, 2) for n in self.names)
        weights = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * dh ** -0.5, dim=-1, dtype=torch.float32)
        self.probabilities = weights[0].detach()
        return torch.matmul(weights, v).transpose(1, 2).reshape(b, t, d)


# ---------------------------------------------------------------------------------------
# DINOv2


class Dinov2Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, p = cfg["hidden_size"], cfg["patch_size"]
        self.cfg = cfg
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.mask_token = nn.Parameter(torch.zeros(1, d))
        if cfg.get("num_register_tokens"):
            self.register_tokens = nn.Parameter(torch.zeros(1, cfg["num_register_tokens"], d))
        self.patch_embeddings = nn.Module()
        self.patch_embeddings.projection = nn.Conv2d(cfg["num_channels"], d, p, p)
        n = (cfg["image_size"] // p) ** 2
        self.position_embeddings = nn.Parameter(torch.zeros(1, n + 1, d))

    def interpolate_pos_encoding(self, embeddings, height, width):
        num_patches = embeddings.shape[1] - 1
        num_positions = self.position_embeddings.shape[1] - 1
        if num_patches == num_positions and height == width:
            return self.position_embeddings
        p = self.cfg["patch_size"]
        patch = _interpolate(self.position_embeddings[:, 1:], (height // p, width // p), bool(self.cfg.get("num_register_tokens")))
        return torch.cat((self.position_embeddings[:, :1], patch), dim=1)

    def forward(self, pixels):
        _, _, h, w = pixels.shape
        x = self.patch_embeddings.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, h, w)
        if self.cfg.get("num_register_tokens"):
            x = torch.cat((x[:, :1], self.register_tokens.expand(x.shape[0], -1, -1), x[:, 1:]), dim=1)
        return x


class Dinov2Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.cfg = cfg
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.attention = nn.Module()
        self.attention.attention = SelfAttention(d, cfg["num_attention_heads"], bias=cfg.get("qkv_bias", True))
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(d, d)
        self.layer_scale1 = nn.Module()
        self.layer_scale1.lambda1 = nn.Parameter(torch.ones(d))
        self.norm2 = nn.LayerNorm(d, eps=eps)
        hidden = int(d * cfg["mlp_ratio"])
        self.mlp = nn.Module()
        if cfg.get("use_swiglu_ffn"):
            hidden = (int(hidden * 2 / 3) + 7) // 8 * 8
            self.mlp.weights_in = nn.Linear(d, 2 * hidden)
            self.mlp.weights_out = nn.Linear(hidden, d)
        else:
            self.mlp.fc1 = nn.Linear(d, hidden)
            self.mlp.fc2 = nn.Linear(hidden, d)
        self.layer_scale2 = nn.Module()
        self.layer_scale2.lambda1 = nn.Parameter(torch.ones(d))

    def mlp_forward(self, x):
        if self.cfg.get("use_swiglu_ffn"):
            x1, x2 = self.mlp.weights_in(x).chunk(2, dim=-1)
            return self.mlp.weights_out(F.silu(x1) * x2)
        return self.mlp.fc2(activation(self.cfg["hidden_act"])(self.mlp.fc1(x)))

    def forward(self, x):
        a = self.attention.output.dense(self.attention.attention(self.norm1(x)))
        x = a * self.layer_scale1.lambda1 + x
        return self.mlp_forward(self.norm2(x)) * self.layer_scale2.lambda1 + x


class Dinov2Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = Dinov2Embeddings(cfg)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([Dinov2Layer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.layernorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, pixels):
        x = self.embeddings(pixels)
        for layer in self.encoder.layer:
            x = layer(x)
        x = self.layernorm(x)
        return {"last_hidden_state": x, "pooler_output": x[:, 0]}

    def attentions(self):
        return [layer.attention.attention.probabilities for layer in self.encoder.layer]


class Dinov2ForImageClassification(nn.Module):
    def __init__(self, cfg, prefix):
        super().__init__()
        self.cfg = cfg
        setattr(self, prefix, Dinov2Model(cfg))
        self.backbone = getattr(self, prefix)
        self.classifier = nn.Linear(2 * cfg["hidden_size"], cfg["num_labels"])

    def state_dict_hf(self):
        return {k: v for k, v in self.state_dict().items() if not k.startswith("backbone.")}

    def forward(self, pixels):
        out = self.backbone(pixels)
        seq = out["last_hidden_state"]
        patches = seq[:, 1 + self.cfg.get("num_register_tokens", 0):]
        out["logits"] = self.classifier(torch.cat([seq[:, 0], patches.mean(dim=1)], dim=1))
        return out

    def attentions(self):
        return self.backbone.attentions()


# ---------------------------------------------------------------------------------------
# CLIP and SigLIP vision towers


class TowerLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.act = activation(cfg["hidden_act"])
        self.self_attn = SelfAttention(d, cfg["num_attention_heads"], names=("q_proj", "k_proj", "v_proj"))
        self.self_attn.out_proj = nn.Linear(d, d)
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, cfg["intermediate_size"])
        self.mlp.fc2 = nn.Linear(cfg["intermediate_size"], d)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)

    def forward(self, x):
        x = x + self.self_attn.out_proj(self.self_attn(self.layer_norm1(x)))
        return x + self.mlp.fc2(self.act(self.mlp.fc1(self.layer_norm2(x))))


class VisionEmbeddings(nn.Module):
    """CLIPVisionEmbeddings (class_embedding, bias-free conv) or SiglipVisionEmbeddings."""

    def __init__(self, cfg, siglip):
        super().__init__()
        d, p = cfg["hidden_size"], cfg["patch_size"]
        self.cfg, self.siglip = cfg, siglip
        if not siglip:
            self.class_embedding = nn.Parameter(torch.zeros(d))
        self.patch_embedding = nn.Conv2d(cfg["num_channels"], d, p, p, bias=siglip)
        n = (cfg["image_size"] // p) ** 2
        self.position_embedding = nn.Embedding(n + (0 if siglip else 1), d)

    def forward(self, pixels):
        _, _, h, w = pixels.shape
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        table = self.position_embedding.weight.unsqueeze(0)
        prefix = 0 if self.siglip else 1
        if not self.siglip:
            x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
        if not (x.shape[1] == table.shape[1] and h == w):
            p = self.cfg["patch_size"]
            table = torch.cat([table[:, :prefix], _interpolate(table[:, prefix:], (h // p, w // p), False)], dim=1)
        return x + table


class SiglipHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.act = activation(cfg["hidden_act"])
        self.probe = nn.Parameter(torch.zeros(1, 1, d))
        self.attention = nn.MultiheadAttention(d, cfg["num_attention_heads"], batch_first=True)
        self.layernorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, cfg["intermediate_size"])
        self.mlp.fc2 = nn.Linear(cfg["intermediate_size"], d)

    def forward(self, x):
        probe = self.probe.repeat(x.shape[0], 1, 1)
        out, per_head = self.attention(probe, x, x, need_weights=True, average_attn_weights=False)
        self.probabilities = per_head[0, :, 0].detach()  # [heads, tokens]
        residual = out
        out = residual + self.mlp.fc2(self.act(self.mlp.fc1(self.layernorm(out))))
        return out[:, 0]


class VisionTransformer(nn.Module):
    def __init__(self, cfg, siglip):
        super().__init__()
        d = cfg["hidden_size"]
        self.siglip = siglip
        self.embeddings = VisionEmbeddings(cfg, siglip)
        if not siglip:
            self.pre_layrnorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([TowerLayer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.post_layernorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        if siglip:
            self.head = SiglipHead(cfg)

    def forward(self, pixels):
        x = self.embeddings(pixels)
        if not self.siglip:
            x = self.pre_layrnorm(x)
        for layer in self.encoder.layers:
            x = layer(x)
        if self.siglip:
            x = self.post_layernorm(x)
            return {"last_hidden_state": x, "pooler_output": self.head(x)}
        return {"last_hidden_state": x, "pooler_output": self.post_layernorm(x[:, 0])}

    def attentions(self):
        return [layer.self_attn.probabilities for layer in self.encoder.layers]


class VisionTower(nn.Module):
    """CLIPVisionModel(WithProjection) / SiglipVisionModel: `vision_model` [+ visual_projection]."""

    def __init__(self, cfg, siglip, projection_dim=0):
        super().__init__()
        self.vision_model = VisionTransformer(cfg, siglip)
        if projection_dim:
            self.visual_projection = nn.Linear(cfg["hidden_size"], projection_dim, bias=False)

    def forward(self, pixels):
        out = self.vision_model(pixels)
        out["embedding"] = self.visual_projection(out["pooler_output"]) if hasattr(self, "visual_projection") else out["pooler_output"]
        return out

    def attentions(self):
        return self.vision_model.attentions()
