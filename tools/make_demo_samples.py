#!/usr/bin/python3
"""Writes resources/samples/: Fashion-MNIST test items and held-out scenes for the demo models.

  * fashion/<class>.png: for each class, the first test-split item that the bundled classifier
    labels correctly (PyTorch reference, float32) AFTER the round trip a user's view of the
    sample implies: enlarged 8x (nearest, 224x224, so it is viewable) and resized back to 28x28
    by the pre-processing (bilinear, antialiased). Only classes whose first such item has
    confidence >= --min-probability are written, so the samples are unambiguous.
  * scenes/: the first --scenes held-out test scenes (tools/fashion_scenes.py, test split) on
    which the bundled detector, at the pipeline's default threshold 0.5, finds exactly the
    annotated objects (right classes, IoU >= 0.5), with their annotations.json, so that
    `vitlens-cli eval --dataset fashion-scenes --data resources/samples/scenes` scores 1.0.
  * samples.json: which test item or scene each file is and its expected label(s).

    /usr/bin/python3 tools/make_demo_samples.py --out resources/samples
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402
import fashion_scenes  # noqa: E402
import yolos_reference  # noqa: E402
from detection_metrics import iou_matrix  # noqa: E402
from eval_pytorch import preprocess, preprocess_detector, read_json  # noqa: E402
from safetensors_io import write_json  # noqa: E402
from vit_reference import load_hf  # noqa: E402

VIEW_SIZE = 224


def slug(name):
    return name.lower().replace("/", "-").replace(" ", "-")


@torch.no_grad()
def fashion_samples(folder, out, min_probability):
    model = load_hf(folder)
    config = read_json(os.path.join(folder, "preprocessor_config.json"))
    images, labels = fashion_mnist.load_split("test")
    os.makedirs(os.path.join(out, "fashion"), exist_ok=True)
    samples = []
    for label, name in enumerate(fashion_mnist.CLASS_NAMES):
        for index in np.nonzero(labels == label)[0]:
            view = Image.fromarray(images[index]).resize((VIEW_SIZE, VIEW_SIZE), Image.NEAREST)
            probs = model(preprocess(view.convert("RGB"), config))["logits"].softmax(-1)
            if int(probs.argmax()) == label:
                break
        if float(probs[label]) < min_probability:
            continue
        file = f"fashion/{slug(name)}.png"
        view.save(os.path.join(out, file))
        samples.append({"file": file, "label": name, "test_index": int(index), "probability": round(float(probs[label]), 4)})
    return samples


def detected_exactly(found, objects):
    if len(found) != len(objects):
        return False
    ious = iou_matrix([box for _, _, _, box in found], [o["box"] for o in objects])
    for (_, label, _, _), row in zip(found, ious):
        best = int(np.argmax(row))
        if row[best] < 0.5 or objects[best]["label"] != label:
            return False
    return len({int(np.argmax(row)) for row in ious}) == len(objects)


@torch.no_grad()
def scene_samples(folder, out, count):
    model = yolos_reference.load_hf(folder)
    config = read_json(os.path.join(folder, "preprocessor_config.json"))
    images, labels = fashion_mnist.load_split("test")
    os.makedirs(os.path.join(out, "scenes"), exist_ok=True)
    chosen, index = [], 0
    while len(chosen) < count:
        pixels, objects = fashion_scenes.scene(images, labels, "test", index)
        rgb = Image.fromarray(pixels).convert("RGB")
        result = model(preprocess_detector(rgb, config))
        found = yolos_reference.post_process(result["detection_logits"], result["detection_boxes"], rgb.height, rgb.width, 0.5)
        if len(objects) >= 2 and detected_exactly(found, objects):
            file = f"scene_{index:04d}.png"
            Image.fromarray(pixels).save(os.path.join(out, "scenes", file))
            chosen.append({"file": file, "objects": objects, "test_scene": index})
        index += 1
    annotations = {"canvas": fashion_scenes.CANVAS, "split": "test", "seed": fashion_scenes.DEFAULT_SEED,
                   "classes": fashion_mnist.CLASS_NAMES,
                   "box_format": "pixels [x0, y0, x1, y1), x1 and y1 exclusive",
                   "scenes": [{"file": c["file"], "objects": c["objects"]} for c in chosen]}
    write_json(os.path.join(out, "scenes", "annotations.json"), annotations)
    return [{"file": f"scenes/{c['file']}", "test_scene": c["test_scene"],
             "labels": [fashion_mnist.CLASS_NAMES[o["label"]] for o in c["objects"]]} for c in chosen]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="resources/samples")
    p.add_argument("--classifier", default="resources/models/fashion-vit")
    p.add_argument("--detector", default="resources/models/fashion-yolos")
    p.add_argument("--scenes", type=int, default=4)
    p.add_argument("--min-probability", type=float, default=0.8)
    args = p.parse_args()
    manifest = {"fashion": fashion_samples(args.classifier, args.out, args.min_probability)}
    if args.scenes:
        manifest["scenes"] = scene_samples(args.detector, args.out, args.scenes)
    write_json(os.path.join(args.out, "samples.json"), manifest)


if __name__ == "__main__":
    main()
