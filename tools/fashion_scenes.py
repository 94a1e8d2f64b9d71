#!/usr/bin/python3
"""Seeded scenes of Fashion-MNIST items for the demo detector (numpy and PIL only).

One implementation, shared by the detector's training (scenes generated on the fly from the
training split) and by evaluation (held-out scenes from the test split, written once to a
folder that both `vitlens-cli eval --dataset fashion-scenes` and tools/eval_pytorch.py read).

A scene is a CANVAS x CANVAS grey image holding 1 to MAX_OBJECTS items, each resized
(bilinear) to a random side in [MIN_SIDE, MAX_SIDE] pixels, at a random position and
brightness, composited over a random background: flat with noise, a linear gradient, stripes,
a checkerboard or smooth blotches. Items may overlap a little (the tight boxes of two items
overlap with IoU at most MAX_IOU); the later item is drawn on top. Every object's box is the
tight box of its visible-or-not item pixels (intensity above INK) in pixel coordinates
[x0, y0, x1, y1), x1 and y1 exclusive. Scene i of a split depends only on (seed, split, i).

    /usr/bin/python3 tools/fashion_scenes.py --split test --count 1000 --out DIR

writes DIR/scene_0000.png ... and DIR/annotations.json (with --pool, one .npz of arrays
for training instead):
    {"canvas": 96, "split": "test", "seed": 7, "classes": [...],
     "scenes": [{"file": "scene_0000.png", "objects": [{"label": 3, "box": [x0, y0, x1, y1]}]}]}
"""

import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

CANVAS = 96
MIN_SIDE, MAX_SIDE = 28, 56
MAX_OBJECTS = 4
MAX_IOU = 0.2
INK = 24  # item pixels brighter than this belong to the object (Fashion-MNIST backgrounds are 0)
PLACEMENT_TRIES = 30
DEFAULT_SEED = 7
_SPLIT_STREAM = {"train": 0, "test": 1}


def box_iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _smooth_noise(rng, cells):
    coarse = (rng.random((cells, cells)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((CANVAS, CANVAS), Image.BICUBIC), dtype=np.float32) / 255


def background(rng):
    """A float32 [CANVAS, CANVAS] background in [0, 255], dark to mid-grey so items stand out."""
    kind = rng.integers(5)
    low, high = sorted(rng.uniform(0, 110, size=2))
    y, x = np.mgrid[0:CANVAS, 0:CANVAS].astype(np.float32) / CANVAS
    if kind == 0:  # flat
        pattern = np.full((CANVAS, CANVAS), rng.random(), np.float32)
    elif kind == 1:  # linear gradient in a random direction
        angle = rng.uniform(0, 2 * np.pi)
        pattern = np.cos(angle) * x + np.sin(angle) * y
        pattern = (pattern - pattern.min()) / max(1e-6, np.ptp(pattern))
    elif kind == 2:  # stripes
        angle, period = rng.uniform(0, np.pi), rng.uniform(4, 24)
        pattern = 0.5 + 0.5 * np.sin(2 * np.pi * (np.cos(angle) * x + np.sin(angle) * y) * CANVAS / period)
    elif kind == 3:  # checkerboard
        cell = int(rng.integers(4, 17))
        yy, xx = np.mgrid[0:CANVAS, 0:CANVAS]
        pattern = ((yy // cell + xx // cell) % 2).astype(np.float32)
    else:  # smooth blotches
        pattern = _smooth_noise(rng, int(rng.integers(3, 9)))
    image = low + (high - low) * pattern
    image += rng.normal(0, rng.uniform(0, 12), size=image.shape)
    return image.astype(np.float32)


def _place(rng, item, boxes):
    """Resizes `item` and finds a position; returns (pixels, mask, left, top, box) or None."""
    side = int(rng.integers(MIN_SIDE, MAX_SIDE + 1))
    pixels = np.asarray(Image.fromarray(item).resize((side, side), Image.BILINEAR), dtype=np.float32)
    ys, xs = np.nonzero(pixels > INK)
    if len(xs) == 0:
        return None
    for _ in range(PLACEMENT_TRIES):
        left, top = (int(v) for v in rng.integers(0, CANVAS - side + 1, size=2))
        box = [left + int(xs.min()), top + int(ys.min()), left + int(xs.max()) + 1, top + int(ys.max()) + 1]
        if all(box_iou(box, other) <= MAX_IOU for other in boxes):
            return pixels, left, top, box
    return None


def compose(rng, images, labels):
    """One scene: (uint8 [CANVAS, CANVAS], [{"label", "box"}]) from items of (images, labels)."""
    canvas = background(rng)
    objects = []
    for _ in range(int(rng.integers(1, MAX_OBJECTS + 1))):
        index = int(rng.integers(len(images)))
        placed = _place(rng, images[index], [o["box"] for o in objects])
        if placed is None:
            continue
        pixels, left, top, box = placed
        side = pixels.shape[0]
        # Opaque where the item has ink, fading out over its dark border, so the garment
        # covers what is behind it rather than adding to it.
        alpha = np.clip(pixels / 64.0, 0.0, 1.0)
        brightness = rng.uniform(0.6, 1.0)
        floor = canvas[top:top + side, left:left + side]
        shade = np.maximum(pixels * brightness, floor.mean() + 50.0)
        shade = np.where(pixels > INK, np.minimum(255.0, shade), pixels)
        canvas[top:top + side, left:left + side] = floor * (1 - alpha) + shade * alpha
        objects.append({"label": int(labels[index]), "box": box})
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8), objects


def scene(split_images, split_labels, split, index, seed=DEFAULT_SEED):
    """Scene `index` of `split`: a pure function of (seed, split, index)."""
    rng = np.random.default_rng([seed, _SPLIT_STREAM[split], index])
    return compose(rng, split_images, split_labels)


def write_scenes(split, count, out, seed=DEFAULT_SEED, data=fashion_mnist.DEFAULT_DIR):
    images, labels = fashion_mnist.load_split(split, data)
    os.makedirs(out, exist_ok=True)
    scenes = []
    for i in range(count):
        pixels, objects = scene(images, labels, split, i, seed)
        name = f"scene_{i:04d}.png"
        Image.fromarray(pixels).save(os.path.join(out, name))
        scenes.append({"file": name, "objects": objects})
    annotations = {"canvas": CANVAS, "split": split, "seed": seed, "classes": fashion_mnist.CLASS_NAMES,
                   "box_format": "pixels [x0, y0, x1, y1), x1 and y1 exclusive", "scenes": scenes}
    with open(os.path.join(out, "annotations.json"), "w") as f:
        f.write(_one_scene_per_line(annotations))


def write_pool(split, count, out, seed=DEFAULT_SEED, data=fashion_mnist.DEFAULT_DIR):
    """Scenes 0..count-1 as one .npz for training: pixels uint8 [N, CANVAS, CANVAS], labels
    int64 [N, MAX_OBJECTS] (-1 pads) and boxes float32 [N, MAX_OBJECTS, 4] in pixels."""
    images, labels = fashion_mnist.load_split(split, data)
    pixels = np.zeros((count, CANVAS, CANVAS), np.uint8)
    pool_labels = np.full((count, MAX_OBJECTS), -1, np.int64)
    pool_boxes = np.zeros((count, MAX_OBJECTS, 4), np.float32)
    for i in range(count):
        pixels[i], objects = scene(images, labels, split, i, seed)
        for j, o in enumerate(objects):
            pool_labels[i, j] = o["label"]
            pool_boxes[i, j] = o["box"]
    np.savez(out, pixels=pixels, labels=pool_labels, boxes=pool_boxes, seed=seed, split=split)


def _one_scene_per_line(annotations):
    head = {k: v for k, v in annotations.items() if k != "scenes"}
    text = json.dumps(head, indent=1)[:-2] + ',\n "scenes": [\n'
    text += ",\n".join("  " + json.dumps(s) for s in annotations["scenes"])
    return text + "\n ]\n}\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=sorted(_SPLIT_STREAM), default="test")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--out", required=True, help="folder for the PNGs and annotations.json (or the .npz with --pool)")
    p.add_argument("--pool", action="store_true", help="write one .npz of arrays for training instead of PNGs")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--data", default=fashion_mnist.DEFAULT_DIR, help="folder with the Fashion-MNIST IDX .gz files")
    args = p.parse_args()
    if args.pool:
        write_pool(args.split, args.count, args.out, args.seed, args.data)
    else:
        write_scenes(args.split, args.count, args.out, args.seed, args.data)


if __name__ == "__main__":
    main()
