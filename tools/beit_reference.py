"""Independent PyTorch port of transformers' BEiT (models/beit/modeling_beit.py and
configuration_beit.py), for ViTLens's golden fixtures; transformers itself cannot be installed here.

The same module tree as transformers' BeitModel / BeitForImageClassification, so state_dict()
gives the checkpoint's own tensor names, and the same arithmetic, in eager float32:
  - BeitEmbeddings: CLS, patches, optional absolute position embeddings (bicubic resampling,
    align_corners=False, for other sizes), an unused mask token.
  - BeitRelativePositionBias: a table of (2Wh-1)(2Ww-1)+3 rows x heads; forward(window_size,
    interpolate_pos_encoding, dim_size) reads the offset part as [1, old_width, old_height, heads],
    resizes it bilinearly (align_corners=False) to (2 gh - 1, 2 gw - 1), keeps the 3 CLS rows and
    looks it up with generate_relative_position_index(window_size); with interpolate_pos_encoding
    the [heads, T, T] bias is resized again to (dim_size, dim_size) (the same size: identity).
  - BeitSelfAttention: query and value with bias, key without; scores * dh^-0.5, plus the
    layer's bias and the encoder's shared bias, softmax.
  - BeitLayer: layernorm_before, attention, lambda_1, residual, layernorm_after, MLP, lambda_2,
    residual. LayerScale only when layer_scale_init_value > 0.
  - BeitModel: layernorm on the output unless use_mean_pooling; BeitPooler: mean of the patch
    tokens through pooler.layernorm (use_mean_pooling), else the CLS token.
Every self-attention records its post-softmax probabilities in `self.probabilities`.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from vit_reference import activation


def generate_relative_position_index(window_size):
    num_relative_distance = (2 * window_size[0] - 1) * (2 * window_size[1] - 1) + 3
    window_area = window_size[0] * window_size[1]
    grid = torch.meshgrid(torch.arange(window_size[0]), torch.arange(window_size[1]), indexing="ij")
    coords = torch.stack(grid)
    coords_flatten = torch.flatten(coords, 1)
    relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]
    relative_coords = relative_coords.permute(1, 2, 0).contiguous()
    relative_coords[:, :, 0] += window_size[0] - 1
    relative_coords[:, :, 1] += window_size[1] - 1
    relative_coords[:, :, 0] *= 2 * window_size[1] - 1
    index = torch.zeros(size=(window_area + 1,) * 2, dtype=relative_coords.dtype)
    index[1:, 1:] = relative_coords.sum(-1)
    index[0, 0:] = num_relative_distance - 3
    index[0:, 0] = num_relative_distance - 2
    index[0, 0] = num_relative_distance - 1
    return index


class BeitRelativePositionBias(nn.Module):
    def __init__(self, cfg, window_size):
        super().__init__()
        self.window_size = window_size
        self.num_relative_distance = (2 * window_size[0] - 1) * (2 * window_size[1] - 1) + 3
        self.relative_position_bias_table = nn.Parameter(torch.zeros(self.num_relative_distance, cfg["num_attention_heads"]))

    def forward(self, window_size, interpolate_pos_encoding=False, dim_size=None):
        old_height = 2 * self.window_size[0] - 1
        old_width = 2 * self.window_size[1] - 1
        new_height = 2 * window_size[0] - 1
        new_width = 2 * window_size[1] - 1
        old_table = self.relative_position_bias_table
        new_num_relative_distance = new_height * new_width + 3
        old_sub_table = old_table[: self.num_relative_distance - 3]
        old_sub_table = old_sub_table.reshape(1, old_width, old_height, -1).permute(0, 3, 1, 2)
        new_sub_table = F.interpolate(old_sub_table, size=(int(new_height), int(new_width)), mode="bilinear")
        new_sub_table = new_sub_table.permute(0, 2, 3, 1).reshape(new_num_relative_distance - 3, -1)
        new_table = torch.cat([new_sub_table, old_table[self.num_relative_distance - 3:]])
        index = generate_relative_position_index(window_size)
        bias = new_table[index.view(-1)]
        bias = bias.view(window_size[0] * window_size[1] + 1, window_size[0] * window_size[1] + 1, -1)
        bias = bias.permute(2, 0, 1).contiguous()
        if interpolate_pos_encoding:
            bias = F.interpolate(bias.unsqueeze(1), size=(dim_size, dim_size), mode="bilinear", align_corners=False).squeeze(1)
        return bias.unsqueeze(0)


class BeitPatchEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        p = cfg["patch_size"]
        self.patch_shape = (cfg["image_size"] // p, cfg["image_size"] // p)
        self.projection = nn.Conv2d(cfg["num_channels"], cfg["hidden_size"], kernel_size=p, stride=p)

    def forward(self, x):
        return self.projection(x).flatten(2).transpose(1, 2)


class BeitEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.patch_size = cfg["patch_size"]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, d)) if cfg.get("use_mask_token", False) else None
        self.patch_embeddings = BeitPatchEmbeddings(cfg)
        n = self.patch_embeddings.patch_shape[0] * self.patch_embeddings.patch_shape[1]
        self.position_embeddings = nn.Parameter(torch.zeros(1, n + 1, d)) if cfg.get("use_absolute_position_embeddings", False) else None

    def interpolate_pos_encoding(self, embeddings, height, width):
        num_patches = embeddings.shape[1] - 1
        num_positions = self.position_embeddings.shape[1] - 1
        if num_patches == num_positions and height == width:
            return self.position_embeddings
        class_pos = self.position_embeddings[:, :1]
        patch_pos = self.position_embeddings[:, 1:]
        dim = embeddings.shape[-1]
        side = int(num_positions ** 0.5)
        patch_pos = patch_pos.reshape(1, side, side, dim).permute(0, 3, 1, 2)
        patch_pos = F.interpolate(patch_pos, size=(height // self.patch_size, width // self.patch_size), mode="bicubic", align_corners=False)
        patch_pos = patch_pos.permute(0, 2, 3, 1).view(1, -1, dim)
        return torch.cat((class_pos, patch_pos), dim=1)

    def forward(self, pixel_values):
        _, _, height, width = pixel_values.shape
        x = self.patch_embeddings(pixel_values)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        if self.position_embeddings is not None:
            x = x + self.interpolate_pos_encoding(x, height, width)
        return x


class BeitSelfAttention(nn.Module):
    def __init__(self, cfg, window_size=None):
        super().__init__()
        d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d, bias=False)
        self.value = nn.Linear(d, d)
        self.has_relative_position_bias = bool(window_size)
        if self.has_relative_position_bias:
            self.relative_position_bias = BeitRelativePositionBias(cfg, window_size=window_size)
        self.probabilities = None

    def forward(self, x, resolution, interpolate_pos_encoding, shared_bias, patch_size):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = (layer(x).view(b, t, self.heads, dh).transpose(1, 2) for layer in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(-1, -2)) / dh ** 0.5
        window_size = (resolution[0] // patch_size, resolution[1] // patch_size)
        if self.has_relative_position_bias:
            scores = scores + self.relative_position_bias(window_size, interpolate_pos_encoding, dim_size=t)
        if shared_bias is not None:
            scores = scores + shared_bias
        probs = torch.softmax(scores, dim=-1)
        self.probabilities = probs[0].detach()
        return torch.matmul(probs, v).transpose(1, 2).reshape(b, t, d)


class BeitSelfOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])


class BeitAttention(nn.Module):
    def __init__(self, cfg, window_size=None):
        super().__init__()
        self.attention = BeitSelfAttention(cfg, window_size)
        self.output = BeitSelfOutput(cfg)


class Dense(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)


class BeitLayer(nn.Module):
    def __init__(self, cfg, window_size=None):
        super().__init__()
        d = cfg["hidden_size"]
        self.cfg = cfg
        self.attention = BeitAttention(cfg, window_size)
        self.intermediate = Dense(d, cfg["intermediate_size"])
        self.output = Dense(cfg["intermediate_size"], d)
        self.layernorm_before = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.layernorm_after = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        init = cfg["layer_scale_init_value"]
        if init > 0:
            self.lambda_1 = nn.Parameter(init * torch.ones(d))
            self.lambda_2 = nn.Parameter(init * torch.ones(d))
        else:
            self.lambda_1, self.lambda_2 = None, None

    def forward(self, x, resolution, interpolate_pos_encoding, shared_bias):
        a = self.attention.attention(self.layernorm_before(x), resolution, interpolate_pos_encoding, shared_bias, self.cfg["patch_size"])
        a = self.attention.output.dense(a)
        if self.lambda_1 is not None:
            a = self.lambda_1 * a
        x = a + x
        h = self.output.dense(activation(self.cfg["hidden_act"])(self.intermediate.dense(self.layernorm_after(x))))
        if self.lambda_2 is not None:
            h = self.lambda_2 * h
        return h + x


class BeitEncoder(nn.Module):
    def __init__(self, cfg, window_size):
        super().__init__()
        self.cfg = cfg
        self.has_relative_position_bias = cfg.get("use_shared_relative_position_bias", False)
        if self.has_relative_position_bias:
            self.relative_position_bias = BeitRelativePositionBias(cfg, window_size=window_size)
        own = window_size if cfg.get("use_relative_position_bias", False) else None
        self.layer = nn.ModuleList([BeitLayer(cfg, own) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, resolution, interpolate_pos_encoding):
        shared = None
        if self.has_relative_position_bias:
            p = self.cfg["patch_size"]
            shared = self.relative_position_bias((resolution[0] // p, resolution[1] // p), interpolate_pos_encoding, dim_size=x.shape[1])
        for layer in self.layer:
            x = layer(x, resolution, interpolate_pos_encoding, shared)
        return x


class BeitPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layernorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"]) if cfg["use_mean_pooling"] else None

    def forward(self, x):
        if self.layernorm is not None:
            return self.layernorm(x[:, 1:, :].mean(1))
        return x[:, 0]


class BeitModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BeitEmbeddings(cfg)
        self.encoder = BeitEncoder(cfg, self.embeddings.patch_embeddings.patch_shape)
        self.layernorm = nn.Identity() if cfg["use_mean_pooling"] else nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])
        self.pooler = BeitPooler(cfg)

    def forward(self, pixel_values, interpolate_pos_encoding=False):
        x = self.embeddings(pixel_values)
        x = self.encoder(x, pixel_values.shape[2:], interpolate_pos_encoding)
        x = self.layernorm(x)
        return {"last_hidden_state": x, "pooler_output": self.pooler(x)}

    def attentions(self):
        return [layer.attention.attention.probabilities for layer in self.encoder.layer]


class BeitForImageClassification(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.beit = BeitModel(cfg)
        self.classifier = nn.Linear(cfg["hidden_size"], cfg["num_labels"])

    def forward(self, pixel_values, interpolate_pos_encoding=False):
        out = self.beit(pixel_values, interpolate_pos_encoding)
        out["logits"] = self.classifier(out["pooler_output"])
        return out

    def attentions(self):
        return self.beit.attentions()
