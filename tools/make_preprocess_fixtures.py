#!/usr/bin/python3
"""Writes the image decoding / resizing / pre-processing fixtures of the [image] tests.

Run with Debian's Python (Pillow 9.4, numpy):  /usr/bin/python3 tools/make_preprocess_fixtures.py

Everything is derived from photos shipped by opencv-doc (/usr/share/doc/opencv-doc/examples/
data) plus a seeded random alpha pattern, so the output is reproducible. It writes, into
tests/fixtures/images/:

  * small test images in every format the engine decodes (JPEG, PNG, BMP, TIFF, WebP), an
    EXIF-orientation-6 JPEG, a grey PNG, an RGBA PNG with varied alpha, 16-bit RGB and
    16-bit grey PNGs;
  * `<image>.rgb.png`: what the reference pipelines see after decoding, i.e.
    `ImageOps.exif_transpose(Image.open(f)).convert("RGB")` (transformers' load_image).
    Exception: 16-bit grey, which Pillow clips to 255 on convert("RGB"); its reference is
    the high byte, which is what the engine does (documented in docs/preprocessing.md);
  * `resize_*.png`: Pillow `Image.resize` results for several sizes and filters;
  * `pre_*.png` + manifest tables: the Hugging Face image-processor pipeline (PIL resize,
    transformers' center_crop, rescale in float64 then float32, normalise in float32).
    Those numpy steps act on each value alone, so the float tensor is stored factored: the
    uint8 image after resize + crop, and per channel the 256 float32 values the numpy
    steps map each uint8 level to. The script asserts that table[c][image] reproduces the
    numpy tensor exactly;
  * manifest.json describing all of it.

With --measurement-dir DIR it also writes full-size sources and Pillow references for the
resampler comparison in docs/preprocessing.md (see tools/measure_resize.cpp); they are
too large for the repository.
"""
import argparse
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "images"
FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def photo(name, box, size):
    return Image.open(DATA / name).convert("RGB").crop(box).resize(size, Image.Resampling.LANCZOS)


def png_rgb16(path, rgb16):
    """Pillow cannot write 16-bit RGB PNGs, so write the chunks directly."""
    height, width, _ = rgb16.shape
    raw = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def decoded_as_reference(path):
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def write_test_images(rng):
    fruits = photo("fruits.jpg", (40, 20, 440, 320), (160, 120))
    baboon = photo("baboon.jpg", (0, 0, 512, 512), (128, 128))
    small = photo("fruits.jpg", (150, 150, 406, 342), (64, 48))
    images = {}

    fruits.save(OUT / "fruits.jpg", quality=90)
    baboon.save(OUT / "baboon.png")
    small.save(OUT / "photo.bmp")
    small.save(OUT / "photo.tiff", compression="tiff_deflate")
    photo("baboon.jpg", (100, 100, 420, 340), (96, 72)).save(OUT / "photo.webp", quality=85)

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    small.save(OUT / "exif_orientation6.jpg", quality=90, exif=exif)

    baboon.convert("L").resize((80, 60), Image.Resampling.LANCZOS).save(OUT / "grey.png")

    rgba = np.array(small.convert("RGBA"))
    rgba[..., 3] = rng.integers(0, 256, size=rgba.shape[:2], dtype=np.uint8)
    rgba[:8, :, 3] = 0  # fully transparent rows keep their colour under convert("RGB")
    Image.fromarray(rgba, "RGBA").save(OUT / "rgba.png")

    rgb16 = np.array(small.resize((48, 40)), dtype=np.uint16) * 257 + rng.integers(0, 256, size=(40, 48, 3))
    png_rgb16(OUT / "rgb16.png", rgb16.astype(np.uint16))

    grey16 = (np.array(baboon.convert("L").resize((40, 32)), dtype=np.uint16) * 256 + rng.integers(0, 256, size=(32, 40))).astype(np.uint16)
    Image.fromarray(grey16, "I;16").save(OUT / "grey16.png")

    for name in ["fruits.jpg", "baboon.png", "photo.bmp", "photo.tiff", "photo.webp", "exif_orientation6.jpg", "grey.png", "rgba.png", "rgb16.png"]:
        reference = decoded_as_reference(OUT / name)
        reference.save(OUT / f"{name}.rgb.png")
        images[name] = {"reference": f"{name}.rgb.png", "width": reference.width, "height": reference.height}
    grey16_reference = np.repeat((grey16 >> 8).astype(np.uint8)[..., None], 3, axis=2)
    Image.fromarray(grey16_reference, "RGB").save(OUT / "grey16.png.rgb.png")
    images["grey16.png"] = {"reference": "grey16.png.rgb.png", "width": 40, "height": 32}
    return images


def resize_cases():
    return [
        ("fruits.jpg", 64, 64, "bilinear"),
        ("fruits.jpg", 64, 64, "bicubic"),
        ("fruits.jpg", 64, 64, "lanczos"),
        ("fruits.jpg", 64, 64, "nearest"),
        ("fruits.jpg", 37, 23, "bicubic"),
        ("fruits.jpg", 100, 200, "bilinear"),
        ("baboon.png", 24, 24, "lanczos"),
        ("baboon.png", 24, 24, "bilinear"),
        ("baboon.png", 300, 200, "bicubic"),
        ("baboon.png", 128, 50, "bilinear"),
        ("baboon.png", 200, 200, "nearest"),
    ]


def write_resizes(directory, cases):
    entries = []
    for source, width, height, filt in cases:
        image = decoded_as_reference(directory / source)
        name = f"resize_{Path(source).stem}_{width}x{height}_{filt}.png"
        image.resize((width, height), FILTERS[filt]).save(directory / name)
        entries.append({"source": source, "width": width, "height": height, "filter": filt, "reference": name})
    return entries


def hf_resize_size(height, width, config):
    """transformers.image_transforms.get_resize_output_image_size(default_to_square=False)."""
    if config["mode"] == "exact":
        return config["height"], config["width"]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = config["shortest_edge"], int(config["shortest_edge"] * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def hf_center_crop(image, crop_height, crop_width):
    """transformers.image_transforms.center_crop on an HWC array."""
    orig_height, orig_width = image.shape[:2]
    top = (orig_height - crop_height) // 2
    left = (orig_width - crop_width) // 2
    if top >= 0 and left >= 0 and top + crop_height <= orig_height and left + crop_width <= orig_width:
        return image[top : top + crop_height, left : left + crop_width]
    new_height, new_width = max(crop_height, orig_height), max(crop_width, orig_width)
    padded = np.zeros((new_height, new_width) + image.shape[2:], dtype=image.dtype)
    top_pad = math.ceil((new_height - orig_height) / 2)
    left_pad = math.ceil((new_width - orig_width) / 2)
    padded[top_pad : top_pad + orig_height, left_pad : left_pad + orig_width] = image
    top, left = top + top_pad, left + left_pad
    return padded[max(0, top) : min(new_height, top + crop_height), max(0, left) : min(new_width, left + crop_width)]


def hf_rescale_normalize(image, config):
    """transformers' rescale (float64 multiply, float32 result) and normalize (float32)."""
    x = (image.astype(np.float64) * config["rescale_factor"]).astype(np.float32)
    mean = np.array(config["mean"], dtype=np.float32)
    std = np.array(config["std"], dtype=np.float32)
    return (x - mean) / std


def preprocess_configs():
    base = {"rescale_factor": 1 / 255}
    return [
        ("vit_squash_bilinear_224", "fruits.jpg", dict(base, mode="exact", height=224, width=224, resample="bilinear", crop=None, mean=[0.5] * 3, std=[0.5] * 3)),
        ("deit_shortest256_bicubic_crop224", "fruits.jpg", dict(base, mode="shortest_edge", shortest_edge=256, resample="bicubic", crop=[224, 224], mean=IMAGENET_MEAN, std=IMAGENET_STD)),
        ("nonsquare_upscale_lanczos", "baboon.png", dict(base, mode="exact", height=150, width=200, resample="lanczos", crop=None, mean=IMAGENET_MEAN, std=IMAGENET_STD)),
        ("shortest64_crop80_padded", "exif_orientation6.jpg", dict(base, mode="shortest_edge", shortest_edge=64, resample="bilinear", crop=[80, 72], mean=IMAGENET_MEAN, std=IMAGENET_STD)),
    ]


def write_preprocessed(directory):
    entries = []
    for name, source, config in preprocess_configs():
        image = decoded_as_reference(directory / source)
        height, width = hf_resize_size(image.height, image.width, config)
        resized = np.array(image.resize((width, height), FILTERS[config["resample"]]))
        cropped = hf_center_crop(resized, *config["crop"]) if config["crop"] else resized
        tensor = hf_rescale_normalize(cropped, config).transpose(2, 0, 1)
        levels = hf_rescale_normalize(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)[None], config)[0]
        tables = levels.T
        factored = np.stack([tables[c][cropped[..., c]] for c in range(3)])
        assert np.array_equal(factored, tensor), name
        Image.fromarray(np.ascontiguousarray(cropped), "RGB").save(directory / f"pre_{name}.png")
        entries.append({
            "name": name, "source": source, "config": config, "image": f"pre_{name}.png",
            "shape": list(tensor.shape), "tables": [[float(v) for v in table] for table in tables],
        })
    return entries


def write_measurement_sources(directory):
    sources = {"baboon512.png": "baboon.jpg", "fruits512x480.png": "fruits.jpg", "starry752x600.png": "starry_night.jpg"}
    for out_name, name in sources.items():
        Image.open(DATA / name).convert("RGB").save(directory / out_name)
    cases = []
    for source in sources:
        image = Image.open(directory / source)
        for factor in [1 / 1.5, 2.0, 3.0, 4.0, 8.0]:
            width, height = round(image.width / factor), round(image.height / factor)
            cases += [(source, width, height, "bilinear"), (source, width, height, "bicubic")]
    return write_resizes(directory, cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measurement-dir", type=Path, help="also write the large resampler-comparison set here")
    args = parser.parse_args()
    rng = np.random.default_rng(20240601)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {
        "generator": "tools/make_preprocess_fixtures.py",
        "images": write_test_images(rng),
        "resizes": write_resizes(OUT, resize_cases()),
        "preprocess": write_preprocessed(OUT),
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if args.measurement_dir:
        args.measurement_dir.mkdir(parents=True, exist_ok=True)
        resizes = write_measurement_sources(args.measurement_dir)
        (args.measurement_dir / "manifest.json").write_text(json.dumps({"resizes": resizes}, indent=1) + "\n")


if __name__ == "__main__":
    main()
