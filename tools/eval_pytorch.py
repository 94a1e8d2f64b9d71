#!/usr/bin/python3
"""PyTorch's side of the "ViTLens vs PyTorch" comparisons for the bundled demo models.

Computes what `vitlens-cli eval` computes, with the PyTorch references and the same data:

  * fashion-mnist: top-1 accuracy and the confusion matrix on the Fashion-MNIST test images,
    pre-processed as ViTLens does for a grey image (replicated to RGB, resized per
    preprocessor_config.json, rescaled, normalised), float32.
  * fashion-scenes: COCO mAP@0.5 and mAP@0.5:0.95 on the held-out scenes written by
    tools/fashion_scenes.py, every detection token kept (no threshold), with the metrics of
    tools/detection_metrics.py (the twin of ViTLens's C++ ones).

With --compare VITLENS_JSON (the output of `vitlens-cli eval ... --json`) it also reports how
often the two agree on the top-1 class, or the difference between the two mAPs.

    /usr/bin/python3 tools/eval_pytorch.py --model resources/models/fashion-vit --dataset fashion-mnist
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
from detection_metrics import DetectionEvaluator  # noqa: E402
import yolos_reference  # noqa: E402
from vit_reference import load_hf  # noqa: E402

_RESAMPLE = {0: Image.NEAREST, 1: Image.LANCZOS, 2: Image.BILINEAR, 3: Image.BICUBIC}


def preprocess(rgb, config):
    """HF ViTImageProcessor semantics for an exact-size resize: PIL resize, rescale, normalise."""
    size = config["size"]
    if config.get("do_resize", True) and rgb.size != (size["width"], size["height"]):
        rgb = rgb.resize((size["width"], size["height"]), _RESAMPLE[config.get("resample", 2)])
    x = np.asarray(rgb, dtype=np.float32) * np.float32(config.get("rescale_factor", 1 / 255))
    x = (x - np.asarray(config["image_mean"], np.float32)) / np.asarray(config["image_std"], np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1).copy())


def read_json(path):
    with open(path) as f:
        return json.load(f)


@torch.no_grad()
def eval_classifier(folder, limit):
    model = load_hf(folder)
    config = read_json(os.path.join(folder, "preprocessor_config.json"))
    images, labels = fashion_mnist.load_split("test")
    count = min(limit or len(images), len(images))
    classes = model.cfg["num_classes"]
    confusion = np.zeros((classes, classes), dtype=np.int64)
    predictions = []
    for i in range(count):
        pixels = preprocess(Image.fromarray(images[i]).convert("RGB"), config)
        predicted = int(model(pixels)["logits"].argmax())
        predictions.append(predicted)
        confusion[labels[i], predicted] += 1
    return {"dataset": "fashion-mnist", "images": count, "top1": float(np.trace(confusion) / count),
            "confusion_matrix": confusion.tolist(), "predictions": predictions}


@torch.no_grad()
def eval_detector(folder, data, limit):
    model = yolos_reference.load_hf(folder)
    config = read_json(os.path.join(folder, "preprocessor_config.json"))
    annotations = read_json(os.path.join(data, "annotations.json"))
    scenes = annotations["scenes"][:limit or None]
    evaluator = DetectionEvaluator(len(annotations["classes"]))
    for scene in scenes:
        rgb = Image.open(os.path.join(data, scene["file"])).convert("RGB")
        out = model(preprocess_detector(rgb, config))
        found = yolos_reference.post_process(out["detection_logits"], out["detection_boxes"], rgb.height, rgb.width, 0.0)
        evaluator.add_image([(o["label"], o["box"]) for o in scene["objects"]],
                            [(label, score, box) for _, label, score, box in found])
    return {"dataset": "fashion-scenes", **evaluator.summary()}


def preprocess_detector(rgb, config):
    """YolosImageProcessor's resize (shortest edge, capped longest edge, multiples of 16), then as above."""
    size = config["size"]
    height, width = yolos_reference.capped_resize_size(rgb.height, rgb.width, size["shortest_edge"], size["longest_edge"])
    return preprocess(rgb, {**config, "size": {"height": height, "width": width}})


def compare(result, vitlens):
    if result["dataset"] == "fashion-mnist":
        ours, theirs = result["predictions"], vitlens["predictions"]
        n = min(len(ours), len(theirs))
        agree = sum(a == b for a, b in zip(ours[:n], theirs[:n]))
        return {"images_compared": n, "top1_agreement": agree / n, "disagreements": n - agree,
                "top1_vitlens": vitlens["top1"], "top1_pytorch": result["top1"]}
    return {"map50_vitlens": vitlens["map50"], "map50_pytorch": result["map50"],
            "map50_difference": abs(vitlens["map50"] - result["map50"]),
            "map50_95_vitlens": vitlens["map50_95"], "map50_95_pytorch": result["map50_95"]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="Hugging Face model folder")
    p.add_argument("--dataset", required=True, choices=["fashion-mnist", "fashion-scenes"])
    p.add_argument("--data", help="fashion-scenes: folder written by tools/fashion_scenes.py")
    p.add_argument("--limit", type=int, help="only the first N images or scenes")
    p.add_argument("--compare", help="a `vitlens-cli eval --json` output to compare with")
    p.add_argument("--out", help="write the full result (predictions included) to this JSON file")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.dataset == "fashion-mnist":
        result = eval_classifier(args.model, args.limit)
    else:
        if not args.data:
            p.error("--data DIR is required for fashion-scenes")
        result = eval_detector(args.model, args.data, args.limit)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f)
    summary = {k: v for k, v in result.items() if k not in ("predictions", "confusion_matrix")}
    if args.compare:
        summary["comparison"] = compare(result, read_json(args.compare))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
