#!/usr/bin/python3
"""Trains the bundled demo detector resources/models/fashion-yolos on Fashion-MNIST scenes.

The model is tools/yolos_reference.py's YolosReference (Hugging Face YolosForObjectDetection
semantics), saved with its save_hf, so ViTLens loads it like a downloaded YOLOS checkpoint.
As YOLOS starts from a pretrained DeiT, the encoder starts from the demo classifier
(resources/models/fashion-vit, patch 4 on 28x28 items): its 4x4 patch filters become 8x8
filters that give the same embedding on a 2x-enlarged image (each weight repeated 2x2 and
divided by 4), its 7x7 position table is resampled bicubically to the 12x12 grid of a 96x96
scene, and blocks, norms and CLS token are copied. Detection tokens, their position rows and
the two MLP heads start from N(0, 0.02).

Data: scenes of tools/fashion_scenes.py composed from training-split items only, read from a
pool written beforehand (`fashion_scenes.py --split train --pool`), with random horizontal
flips. Loss as DETR/YOLOS: Hungarian matching (cost 1 * -p(class) + 5 * L1 + 2 * -GIoU), then
cross-entropy with "no object" weighted 0.1, plus 5 * L1 and 2 * (1 - GIoU) on matched boxes.
AdamW, warm-up then cosine decay, bf16 autocast on the CPU, fixed seeds. Progress is checked
on validation scenes composed from training items (scene indices no training scene uses),
never on the test split.

    /usr/bin/python3 tools/fashion_scenes.py --split train --count 100000 --pool --out pool.npz
    /usr/bin/python3 tools/train_fashion_yolos.py --pool pool.npz --out resources/models/fashion-yolos
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from functorch import vmap
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402
import fashion_scenes  # noqa: E402
import vit_reference  # noqa: E402
import yolos_reference  # noqa: E402
from detection_metrics import DetectionEvaluator  # noqa: E402
from safetensors_io import write_json  # noqa: E402

NO_OBJECT_WEIGHT = 0.1
COST_CLASS, COST_L1, COST_GIOU = 1.0, 5.0, 2.0
LOSS_L1, LOSS_GIOU = 5.0, 2.0
VALIDATION_FIRST_INDEX = 10_000_000  # training-split scenes beyond any pool


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pool", required=True, help=".npz of training scenes from fashion_scenes.py --pool")
    p.add_argument("--classifier", default="resources/models/fashion-vit", help="folder of the classifier to start from")
    p.add_argument("--init", help="continue from this detector folder instead of starting from the classifier")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--steps", type=int, default=20000, help="training steps (the schedule's length)")
    p.add_argument("--minutes", type=float,
                   help="train for this wall time instead: the schedule follows elapsed time and --steps is ignored")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup-steps", type=int, default=300)
    p.add_argument("--detection-tokens", type=int, default=10)
    p.add_argument("--patch", type=int, default=8)
    p.add_argument("--seed", type=int, default=20240606)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--validate-every", type=int, default=2000)
    p.add_argument("--validation-scenes", type=int, default=300)
    p.add_argument("--checkpoint", help="also save the model here at every validation")
    p.add_argument("--summary", help="write the run's measurements to this JSON file")
    return p.parse_args()


# ---------------------------------------------------------------------------------------
# Model


def detector_config(classifier, args):
    c = classifier.cfg
    return {
        "hidden_size": c["hidden_size"], "num_layers": c["num_layers"], "num_heads": c["num_heads"],
        "mlp_size": c["mlp_size"], "patch_size": args.patch, "num_channels": 3,
        "image_size": (fashion_scenes.CANVAS, fashion_scenes.CANVAS), "hidden_act": c["hidden_act"],
        "layer_norm_eps": c["layer_norm_eps"], "qkv_bias": c["qkv_bias"],
        "num_detection_tokens": args.detection_tokens, "use_mid_position_embeddings": False,
        "num_labels": len(fashion_mnist.CLASS_NAMES),
        "id2label": {str(i): name for i, name in enumerate(fashion_mnist.CLASS_NAMES)},
    }


@torch.no_grad()
def initialise_from_classifier_(model, classifier, generator):
    for name, param in model.named_parameters():
        param.copy_(0.02 * torch.randn(param.shape, generator=generator) if param.ndim >= 2 else torch.zeros_like(param))
    model.det_tokens.copy_(0.02 * torch.randn(model.det_tokens.shape, generator=generator))
    scale = model.cfg["patch_size"] // classifier.cfg["patch_size"]
    weight = classifier.patch_embed.weight.repeat_interleave(scale, 2).repeat_interleave(scale, 3) / (scale * scale)
    model.patch_embed.weight.copy_(weight)
    model.patch_embed.bias.copy_(classifier.patch_embed.bias)
    model.cls_token.copy_(classifier.cls_token)
    grid = model.grid0
    patches = vit_reference.interpolate_pos_embed(classifier.pos_embed, 1, classifier.grid0, grid)[1:]
    detection_rows = 0.02 * torch.randn(model.cfg["num_detection_tokens"], patches.shape[1], generator=generator)
    model.pos_embed.copy_(torch.cat([classifier.pos_embed[:1], patches, detection_rows]))
    for block, source in zip(model.blocks, classifier.blocks):
        block.load_state_dict(source.state_dict())
    model.norm.load_state_dict(classifier.norm.state_dict())
    for mlp in (model.class_mlp, model.box_mlp):
        for layer in mlp:
            layer.bias.zero_()


def to_pixels(scenes_u8):
    x = torch.from_numpy(np.asarray(scenes_u8, dtype=np.float32)) / 255.0
    x = (x - fashion_mnist.MEAN) / fashion_mnist.STD
    return x.unsqueeze(1).expand(-1, 3, -1, -1)


def batched_detector(model):
    def forward(pixels):
        out = model(pixels)
        return out["detection_logits"], out["detection_boxes"]
    return vmap(forward)


# ---------------------------------------------------------------------------------------
# Set-prediction loss


def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def generalized_iou(a, b):
    """Pairwise GIoU of xyxy boxes a [N, 4] and b [M, 4] -> [N, M]."""
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union.clamp(min=1e-7)
    enclose = (torch.max(a[:, None, 2:], b[None, :, 2:]) - torch.min(a[:, None, :2], b[None, :, :2])).clamp(min=0).prod(-1)
    return iou - (enclose - union) / enclose.clamp(min=1e-7)


@torch.no_grad()
def match(logits, boxes, target_labels, target_boxes):
    """Hungarian matching of one image's predictions to its targets: (prediction, target) indices."""
    if len(target_labels) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    prob = logits.float().softmax(-1)
    cost = (-COST_CLASS * prob[:, target_labels]
            + COST_L1 * torch.cdist(boxes.float(), target_boxes, p=1)
            - COST_GIOU * generalized_iou(cxcywh_to_xyxy(boxes.float()), cxcywh_to_xyxy(target_boxes)))
    rows, cols = linear_sum_assignment(cost.numpy())
    return rows, cols


def set_loss(logits, boxes, targets):
    """DETR's loss for a batch: logits [B, S, C+1], boxes [B, S, 4], targets [(labels, boxes)]."""
    batch, _, columns = logits.shape
    classes = torch.full(logits.shape[:2], columns - 1, dtype=torch.long)
    matched_pred, matched_target = [], []
    for i, (labels, target_boxes) in enumerate(targets):
        rows, cols = match(logits[i], boxes[i], labels, target_boxes)
        classes[i, rows] = labels[cols]
        matched_pred.append(boxes[i, rows])
        matched_target.append(target_boxes[cols])
    weight = torch.ones(columns)
    weight[-1] = NO_OBJECT_WEIGHT
    loss_class = F.cross_entropy(logits.float().reshape(-1, columns), classes.reshape(-1), weight=weight)
    predicted, wanted = torch.cat(matched_pred).float(), torch.cat(matched_target)
    count = max(1, len(wanted))
    loss_l1 = F.l1_loss(predicted, wanted, reduction="sum") / count
    loss_giou = (1 - torch.diag(generalized_iou(cxcywh_to_xyxy(predicted), cxcywh_to_xyxy(wanted)))).sum() / count
    return loss_class + LOSS_L1 * loss_l1 + LOSS_GIOU * loss_giou, (loss_class.item(), loss_l1.item(), loss_giou.item())


# ---------------------------------------------------------------------------------------
# Data


def batch_targets(labels, boxes, flip):
    """Pool rows -> [(labels LongTensor, normalised cxcywh FloatTensor)], mirrored where flipped."""
    canvas = float(fashion_scenes.CANVAS)
    targets = []
    for row_labels, row_boxes, mirrored in zip(labels, boxes, flip):
        keep = row_labels >= 0
        b = row_boxes[keep].astype(np.float32).copy()
        if mirrored:
            b[:, [0, 2]] = canvas - b[:, [2, 0]]
        cxcywh = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) / canvas
        targets.append((torch.from_numpy(row_labels[keep]), torch.from_numpy(cxcywh)))
    return targets


def validation_scenes(count, seed):
    images, labels = fashion_mnist.load_split("train")
    return [fashion_scenes.scene(images, labels, "train", VALIDATION_FIRST_INDEX + i, seed) for i in range(count)]


@torch.no_grad()
def validate(model, scenes):
    model.eval()
    forward = batched_detector(model)
    evaluator = DetectionEvaluator(len(fashion_mnist.CLASS_NAMES))
    canvas = fashion_scenes.CANVAS
    for start in range(0, len(scenes), 50):
        chunk = scenes[start:start + 50]
        logits, boxes = forward(to_pixels(np.stack([pixels for pixels, _ in chunk])))
        for (_, objects), lg, bx in zip(chunk, logits, boxes):
            found = [(label, score, box) for _, label, score, box in yolos_reference.post_process(lg, bx, canvas, canvas, 0.0)]
            evaluator.add_image([(o["label"], o["box"]) for o in objects], found)
    model.train()
    return evaluator.summary()


def learning_rate(step, progress, warmup, peak):
    """Linear warm-up over `warmup` steps, then cosine decay over progress in [0, 1]."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def schedule_progress(step, elapsed_seconds, args):
    if args.minutes:
        return elapsed_seconds / (60.0 * args.minutes)
    return (step - args.warmup_steps) / max(1, args.steps - args.warmup_steps)


def save(model, folder):
    yolos_reference.save_hf(model, folder, shortest_edge=fashion_scenes.CANVAS)
    preprocessor_path = os.path.join(folder, "preprocessor_config.json")
    with open(preprocessor_path) as f:
        preprocessor = json.load(f)
    # The classifier's normalisation, which the encoder was trained with.
    preprocessor.update({"image_mean": [fashion_mnist.MEAN] * 3, "image_std": [fashion_mnist.STD] * 3,
                         "size": {"shortest_edge": fashion_scenes.CANVAS, "longest_edge": 4 * fashion_scenes.CANVAS}})
    write_json(preprocessor_path, preprocessor)


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    pool = np.load(args.pool)
    pool_pixels, pool_labels, pool_boxes = pool["pixels"], pool["labels"], pool["boxes"]
    if args.init:
        model = yolos_reference.load_hf(args.init)
        model.cfg["id2label"] = {str(i): name for i, name in enumerate(fashion_mnist.CLASS_NAMES)}
    else:
        classifier = vit_reference.load_hf(args.classifier)
        model = yolos_reference.build_model(detector_config(classifier, args))
        initialise_from_classifier_(model, classifier, torch.Generator().manual_seed(args.seed))
    model.train()
    parameters = sum(p.numel() for p in model.parameters())
    validation = validation_scenes(args.validation_scenes, fashion_scenes.DEFAULT_SEED)
    print(f"{parameters} parameters, pool of {len(pool_pixels)} training scenes", flush=True)

    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    forward = batched_detector(model)
    start_time, history, running = time.time(), [], np.zeros(4)
    order = rng.permutation(len(pool_pixels))
    cursor = 0
    step = 0
    while (time.time() - start_time < 60.0 * args.minutes) if args.minutes else step < args.steps:
        if cursor + args.batch > len(order):
            order, cursor = rng.permutation(len(pool_pixels)), 0
        index = np.sort(order[cursor:cursor + args.batch])
        cursor += args.batch
        flip = rng.random(len(index)) < 0.5
        scenes = pool_pixels[index]
        scenes[flip] = scenes[flip, :, ::-1]
        targets = batch_targets(pool_labels[index], pool_boxes[index], flip)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, schedule_progress(step, time.time() - start_time, args), args.warmup_steps, args.lr)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, boxes = forward(to_pixels(scenes))
        loss, parts = set_loss(logits.float(), boxes.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running += np.array([loss.item(), *parts])
        if (step + 1) % 100 == 0:
            print(json.dumps({"step": step + 1, "lr": optimizer.param_groups[0]["lr"], "loss": running[0] / 100, "class": running[1] / 100, "l1": running[2] / 100,
                              "giou": running[3] / 100, "minutes": (time.time() - start_time) / 60}), flush=True)
            running[:] = 0
        step += 1
        if step % args.validate_every == 0:
            summary = validate(model, validation)
            record = {"step": step, "validation_map50": summary["map50"], "validation_map50_95": summary["map50_95"],
                      "minutes": (time.time() - start_time) / 60}
            history.append(record)
            print(json.dumps(record), flush=True)
            if args.checkpoint:
                save(model.eval(), args.checkpoint)
                model.train()

    train_seconds = time.time() - start_time
    summary = validate(model, validation)
    history.append({"step": step, "validation_map50": summary["map50"], "validation_map50_95": summary["map50_95"],
                    "minutes": train_seconds / 60})
    print(json.dumps(history[-1]), flush=True)
    model.eval()
    save(model, args.out)
    print(f"training took {train_seconds / 60:.1f} minutes", flush=True)
    if args.summary:
        write_json(args.summary, {
            "arguments": vars(args), "parameters": parameters, "train_seconds": train_seconds, "steps": step,
            "scenes_seen": step * args.batch, "validation": history, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
        })


if __name__ == "__main__":
    train(parse_args())
