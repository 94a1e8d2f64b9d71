#!/usr/bin/python3
"""Live throughput: `vitlens-cli live` on a 640x480, 30 fps video, against PyTorch on the same weights.

Plays the video made by vitlens-bench-video (the bundled sample scenes sliding across a
640x480 frame) through the live pipeline for the bundled detector fashion-yolos and a
DeiT-tiny-shaped classifier (seeded random weights, the checkpoint bench_vs_pytorch.py
builds), and reports capture and inference rates, capture-to-result latency (mean, p95) and
dropped frames. The peer is PyTorch CPU running the same checkpoint on one frame of the
same input size: the frame rate it could sustain if inference were all it did.

    /usr/bin/python3 bench/bench_live.py --build build
"""

import argparse
import json
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench_vs_pytorch as bench  # noqa: E402
import yolos_reference as yolos  # noqa: E402

DETECTOR = os.path.join(ROOT, "resources", "models", "fashion-yolos")
# What each model's pre-processing makes of a 640x480 frame.
INPUT_SIZES = {"fashion-yolos": (96, 128), "deit-tiny": (224, 224)}


def live(cli, model, video, seconds, device, threads):
    env = dict(os.environ)
    env.setdefault("LP_NUM_THREADS", str(threads))
    command = [cli, "live", "--model", model, "--source", video, "--seconds", str(seconds), "--device", device,
               "--threads", str(threads), "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="the CMake build folder (default build)")
    parser.add_argument("--seconds", type=float, default=15, help="live run length per model (default 15)")
    parser.add_argument("--device", default="cpu", help="ViTLens --device (default cpu, the oneDNN backend)")
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads for PyTorch, ViTLens cpu and lavapipe (default 2)")
    args = parser.parse_args()
    cli = os.path.join(args.build, "app", "cli", "vitlens-cli")
    maker = os.path.join(args.build, "bench", "vitlens-bench-video")
    for tool in (cli, maker):
        if not os.access(tool, os.X_OK):
            parser.error(f"{tool}: not built; build the project first or pass --build")

    torch.set_num_threads(args.threads)
    video = os.path.join(args.build, "bench-live-640x480.avi")
    subprocess.run([maker, video, str(args.seconds + 5)], check=True)
    deit_folder, deit = bench.cached_model(os.path.join(args.build, "bench-models"), "deit-tiny")
    models = {"fashion-yolos": (DETECTOR, yolos.load_hf(DETECTOR)), "deit-tiny": (deit_folder, deit)}

    rows = []
    for name, (folder, reference) in models.items():
        pytorch_ms = bench.time_pytorch(reference, INPUT_SIZES[name], runs=20, warmup=3)
        s = live(cli, folder, video, args.seconds, args.device, args.threads)
        rows.append([name, "x".join(map(str, INPUT_SIZES[name])), f"{pytorch_ms:.1f}", f"{1000 / pytorch_ms:.1f}",
                     f"{s['mean_inference_ms']:.1f}", f"{s['inference_fps']:.1f}", f"{s['capture_fps']:.1f}",
                     f"{s['mean_latency_ms']:.0f}", f"{s['p95_latency_ms']:.0f}",
                     f"{s['frames_dropped']}/{s['frames_captured']}"])
        print(f"{name}: {json.dumps(s)}", flush=True)

    header = ["model", "input", "PyTorch ms/frame", "PyTorch max fps", "ViTLens ms/frame", "ViTLens inference fps",
              "capture fps", "latency mean ms", "latency p95 ms", "dropped/captured"]
    print("\n| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
