#!/usr/bin/python3
"""Trains the bundled demo classifier resources/models/fashion-vit on Fashion-MNIST.

The model is tools/vit_reference.py's VitReference (Hugging Face ViTForImageClassification
semantics) and is saved with its save_hf, so ViTLens loads it through the same code path as a
downloaded checkpoint. Inputs are the 28x28 grey images replicated to 3 channels (ViTLens
converts every image to RGB), scaled to [0, 1] and normalised with the training-set mean and
std; preprocessor_config.json states exactly that, with a 28x28 bilinear resize for images of
other sizes. Only the 60,000 training images are used for training; the test accuracy printed
at the end is a report, never used to pick a checkpoint.

Training: AdamW, linear warm-up then cosine decay, label smoothing, random horizontal flips,
bf16 autocast on the CPU (about twice as fast as fp32 on this machine, same accuracy), fixed
seeds. The reference model runs one image at a time, so batches go through functorch.vmap.

    /usr/bin/python3 tools/train_fashion_vit.py --out resources/models/fashion-vit
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
import torch.nn as nn
from functorch import vmap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402
from safetensors_io import write_json  # noqa: E402
from vit_reference import build_model, load_hf, save_hf  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="model folder to write (config.json, model.safetensors, preprocessor_config.json)")
    p.add_argument("--data", default=fashion_mnist.DEFAULT_DIR, help="folder with the Fashion-MNIST IDX .gz files")
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--warmup-epochs", type=float, default=1.0)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--hidden", type=int, default=96)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--mlp", type=int, default=192)
    p.add_argument("--patch", type=int, default=4)
    p.add_argument("--init", help="continue from this model folder (same architecture) instead of a fresh initialisation")
    p.add_argument("--seed", type=int, default=20240605)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-bf16", action="store_true", help="train in float32 instead of bf16 autocast")
    p.add_argument("--summary", help="also write the run's measurements to this JSON file")
    return p.parse_args()


def model_config(args):
    return {
        "hidden_size": args.hidden, "num_layers": args.layers, "num_heads": args.heads,
        "mlp_size": args.mlp, "patch_size": args.patch, "num_channels": 3, "image_size": 28,
        "hidden_act": "gelu", "layer_norm_eps": 1e-12, "qkv_bias": True,
        "num_classes": len(fashion_mnist.CLASS_NAMES),
        "id2label": {str(i): name for i, name in enumerate(fashion_mnist.CLASS_NAMES)},
    }


def preprocessor_config():
    """What ViTLens (and Hugging Face's ViTImageProcessor) must do to match training."""
    return {
        "image_processor_type": "ViTImageProcessor",
        "do_resize": True,
        "size": {"height": 28, "width": 28},
        "resample": 2,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [fashion_mnist.MEAN] * 3,
        "image_std": [fashion_mnist.STD] * 3,
    }


@torch.no_grad()
def initialise_(model, generator):
    """Hugging Face ViT's initialisation: N(0, 0.02) weights and tokens, zero biases, unit norms."""
    for name, param in model.named_parameters():
        if "norm" in name:
            param.fill_(1.0 if name.endswith("weight") else 0.0)
        elif name.endswith("bias"):
            param.zero_()
        else:
            param.copy_(0.02 * torch.randn(param.shape, generator=generator))


def to_pixels(images_u8):
    """uint8 [B, 28, 28] -> normalised float [B, 3, 28, 28], the ViTLens pre-processing of a grey image."""
    x = torch.from_numpy(np.array(images_u8, dtype=np.float32)) / 255.0
    x = (x - fashion_mnist.MEAN) / fashion_mnist.STD
    return x.unsqueeze(1).expand(-1, 3, -1, -1)


def batched_logits(model):
    return vmap(lambda pixels: model(pixels)["logits"])


@torch.no_grad()
def accuracy(model, images, labels, batch=500):
    model.eval()
    forward = batched_logits(model)
    correct = 0
    for start in range(0, len(images), batch):
        logits = forward(to_pixels(images[start:start + batch]))
        correct += int((logits.argmax(-1).numpy() == labels[start:start + batch]).sum())
    return correct / len(images)


def learning_rate(step, total, warmup, peak):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    train_images, train_labels = fashion_mnist.load_split("train", args.data)
    test_images, test_labels = fashion_mnist.load_split("test", args.data)

    model = build_model(model_config(args))
    if args.init:
        model.load_state_dict(load_hf(args.init).state_dict())
    else:
        initialise_(model, torch.Generator().manual_seed(args.seed))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{parameters} parameters, {len(train_images)} training images", flush=True)

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos_embed" not in n and "token" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos_embed" not in n and "token" not in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    steps_per_epoch = len(train_images) // args.batch
    total_steps = steps_per_epoch * args.epochs
    warmup = int(args.warmup_epochs * steps_per_epoch)
    forward = batched_logits(model)

    start_time, step, epochs = time.time(), 0, []
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(train_images))
        epoch_start, loss_sum = time.time(), 0.0
        for b in range(steps_per_epoch):
            index = order[b * args.batch:(b + 1) * args.batch]
            images = train_images[index].copy()
            flip = rng.random(len(index)) < 0.5
            images[flip] = images[flip, :, ::-1]
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total_steps, warmup, args.lr)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=not args.no_bf16):
                logits = forward(to_pixels(images))
            loss = loss_fn(logits.float(), torch.from_numpy(train_labels[index]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
            step += 1
        record = {"epoch": epoch + 1, "loss": loss_sum / steps_per_epoch, "seconds": time.time() - epoch_start}
        epochs.append(record)
        print(json.dumps(record), flush=True)

    train_seconds = time.time() - start_time
    model.eval()
    test_accuracy = accuracy(model, test_images, test_labels)
    print(f"training took {train_seconds:.0f} s; float32 top-1 on the 10,000 test images: {test_accuracy:.4f}", flush=True)

    save_hf(model, args.out)
    write_json(os.path.join(args.out, "preprocessor_config.json"), preprocessor_config())
    if args.summary:
        write_json(args.summary, {
            "arguments": vars(args), "parameters": parameters, "train_seconds": train_seconds,
            "test_top1_float32": test_accuracy, "epochs": epochs,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
        })


if __name__ == "__main__":
    train(parse_args())
