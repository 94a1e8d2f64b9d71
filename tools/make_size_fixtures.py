#!/usr/bin/python3
"""Writes tests/fixtures/sizes/: a model run on an image at a caller-chosen input size
(vitlens-cli --size), end to end, as each framework does it.

For every case, <name>.safetensors holds
    pixel_values [3, H, W]      the framework's pre-processing at that size
    logits [num_classes]
    attention [layers, heads, T, T]
and manifest.json lists the model, image, --size text, input size and token count.

The pipelines are re-implemented here from the frameworks' sources, independently of ViTLens:
  * Hugging Face folder (DeiTImageProcessor: resize to size, centre-crop crop_size): the
    processor called with crop_size={"height": H, "width": W} and size scaled in the
    checkpoint's proportion, size={"height": H * size_h // crop_h, "width": ...}; for
    native, size = the image's size rounded to the patch and do_center_crop=False. The model
    then runs with interpolate_pos_encoding=True (bicubic, no antialiasing).
  * timm file (crop_pct, crop_mode "center"): timm.data.resolve_data_config with
    input_size=(3, H, W) and create_transform, i.e. transforms_imagenet_eval: scale_size =
    floor(H / crop_pct), floor(W / crop_pct); Resize(scale) on the shortest edge when
    square, else ResizeKeepRatio(scale) (bilinear: timm passes no interpolation there, and
    sizes round(side / ratio) with ratio = min(h / sh, w / sw)); torchvision CenterCrop
    (int(round((h - H) / 2.0))); ToTensor (x / 255 in float32); Normalize. Native is
    input_size = the rounded image size with crop_pct=1.0 and crop_mode "squash": a plain
    resize. The model runs with dynamic_img_size=True: resample_abs_pos_embed, bicubic
    with antialias=True (vit_reference.load_timm builds it so).

Run with Debian's /usr/bin/python3 (torch, Pillow): /usr/bin/python3 tools/make_size_fixtures.py
"""
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import safetensors_io as st
import vit_reference as ref
from make_preprocess_fixtures import FILTERS, decoded_as_reference, hf_center_crop, hf_rescale_normalize

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
OUT = FIXTURES / "sizes"
IMAGES = FIXTURES / "images"
HF_RESAMPLE = {2: "bilinear", 3: "bicubic"}  # PIL codes preprocessor_config.json uses


def native_size(image, patch):
    """The image's own size, each side rounded to the nearest multiple of the patch (half up)."""
    return tuple(max(patch, (side + patch // 2) // patch * patch) for side in (image.height, image.width))


def hf_pixels(image, folder, size, patch):
    """DeiTImageProcessor(size=..., crop_size=...) for an H x W input, or native."""
    with open(folder / "preprocessor_config.json") as f:
        config = json.load(f)
    resample = FILTERS[HF_RESAMPLE[config["resample"]]]
    norm = {"rescale_factor": config["rescale_factor"], "mean": config["image_mean"], "std": config["image_std"]}
    if size == "native":
        height, width = native_size(image, patch)
        resized = np.array(image.resize((width, height), resample))
        return hf_rescale_normalize(resized, norm).transpose(2, 0, 1)
    height, width = size
    resize_h = height * config["size"]["height"] // config["crop_size"]["height"]
    resize_w = width * config["size"]["width"] // config["crop_size"]["width"]
    resized = np.array(image.resize((resize_w, resize_h), resample))
    return hf_rescale_normalize(hf_center_crop(resized, height, width), norm).transpose(2, 0, 1)


def torchvision_center_crop(image, height, width):
    """torchvision.transforms.functional.center_crop on a PIL image at least the crop's size."""
    top = int(round((image.height - height) / 2.0))
    left = int(round((image.width - width) / 2.0))
    return image.crop((left, top, left + width, top + height))


def timm_pixels(image, pretrained_cfg, size, patch):
    """timm's eval transform for input_size (3, H, W), or native."""
    resample = FILTERS[pretrained_cfg["interpolation"]]
    if size == "native":
        height, width = native_size(image, patch)
        cropped = image.resize((width, height), resample)
    else:
        height, width = size
        crop_pct = pretrained_cfg["crop_pct"]
        scale_h, scale_w = math.floor(height / crop_pct), math.floor(width / crop_pct)
        if scale_h == scale_w:  # torchvision Resize(int): shortest edge, long side floored
            short, long = min(image.width, image.height), max(image.width, image.height)
            new_long = int(scale_h * long / short)
            new_w, new_h = (scale_h, new_long) if image.width <= image.height else (new_long, scale_h)
            resized = image.resize((new_w, new_h), resample)
        else:  # ResizeKeepRatio(scale_size), longest=0, bilinear
            ratio = min(image.height / scale_h, image.width / scale_w)
            resized = image.resize((round(image.width / ratio), round(image.height / ratio)), FILTERS["bilinear"])
        cropped = torchvision_center_crop(resized, height, width)
    x = torch.from_numpy(np.array(cropped)).permute(2, 0, 1).float().div(255)
    mean = torch.tensor(pretrained_cfg["mean"]).view(3, 1, 1)
    std = torch.tensor(pretrained_cfg["std"]).view(3, 1, 1)
    return ((x - mean) / std).numpy()


def cases():
    """(name, model path under fixtures, framework, image, size): larger, smaller, non-square, native."""
    deit, timm = "hf_deit_distilled", "timm_vit_f16/model.safetensors"
    return [
        ("hf_deit_48x40", deit, "huggingface", "fruits.jpg", (48, 40)),
        ("hf_deit_16x24", deit, "huggingface", "fruits.jpg", (16, 24)),
        ("hf_deit_native", deit, "huggingface", "resize_fruits_37x23_bicubic.png", "native"),
        ("timm_48x40", timm, "timm", "fruits.jpg", (48, 40)),
        ("timm_16x24", timm, "timm", "fruits.jpg", (16, 24)),
        ("timm_24", timm, "timm", "fruits.jpg", (24, 24)),
        ("timm_native", timm, "timm", "resize_fruits_37x23_bicubic.png", "native"),
    ]


def size_text(size):
    if size == "native":
        return "native"
    return str(size[0]) if size[0] == size[1] else f"{size[0]}x{size[1]}"


def main():
    torch.set_num_threads(1)  # one summation order, so reruns are byte-identical
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, model_rel, framework, image_name, size in cases():
        image = decoded_as_reference(IMAGES / image_name)
        if framework == "huggingface":
            model = ref.load_hf(str(FIXTURES / model_rel))
            pixels = hf_pixels(image, FIXTURES / model_rel, size, model.cfg["patch_size"])
        else:
            model = ref.load_timm(str(FIXTURES / model_rel))
            with open(FIXTURES / Path(model_rel).parent / "config.json") as f:
                pretrained_cfg = json.load(f)["pretrained_cfg"]
            pixels = timm_pixels(image, pretrained_cfg, size, model.cfg["patch_size"])
        pixels = torch.from_numpy(np.ascontiguousarray(pixels))
        out = ref.run(model, pixels)
        st.write_safetensors(str(OUT / f"{name}.safetensors"),
                             {"pixel_values": pixels, "logits": out["logits"], "attention": out["attention"]})
        tokens = out["attention"].shape[-1]
        manifest.append({"name": name, "model": model_rel, "framework": framework, "image": f"images/{image_name}",
                         "size": size_text(size), "input": list(pixels.shape[1:]), "tokens": tokens})
        print(f"{name:16s} {size_text(size):7s} input {pixels.shape[1]}x{pixels.shape[2]}, {tokens} tokens")
    st.write_json(str(OUT / "manifest.json"), {"cases": manifest})
    total = sum(os.path.getsize(OUT / f) for f in os.listdir(OUT))
    print(f"{len(manifest)} cases, {total / 1024:.0f} KiB under {OUT}")


if __name__ == "__main__":
    main()
