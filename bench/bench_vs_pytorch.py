#!/usr/bin/python3
"""Times ViTLens against PyTorch on the CPU for standard ViT sizes and a YOLOS detector.

For each model it builds (once, cached) a seeded random-weight checkpoint in the Hugging
Face layout with tools/vit_reference.py (classifiers) or tools/yolos_reference.py (the
yolos-tiny-shaped detector: 100 detection tokens, training grid 800x1333, run at 512x688, the
size YolosImageProcessor gives a 512x700 image at shortest edge 512), times that reference
model in PyTorch (CPU, eval, batch 1, a fixed number of threads), then runs
`vitlens-cli bench --json` on the same folder at the same input size, and prints both a
plain table and a Markdown one for the README.

Long-sequence rows follow the standard ones (ViT-S/16 at 1024x1024, 4,097 tokens; the
detector at 800x1088) with fewer runs (--long-runs); every row also reports the peak
resident memory of each side: PyTorch times each row in a fresh child process, so its figure
is that process's peak (torch and the loaded model included), and vitlens-cli's is its
process's peak.

Only timings are compared here: random weights say nothing about accuracy, and agreement of
the logits is what the fixture tests check.

Run with Debian's /usr/bin/python3 (it has torch):
    /usr/bin/python3 bench/bench_vs_pytorch.py --cli build/app/cli/vitlens-cli
"""

import argparse
import json
import os
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import make_fixtures  # noqa: E402
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402
import yolos_reference as yolos  # noqa: E402

IMAGE_SIZE = 224
NUM_CLASSES = 1000
SEED = 0


class Classifier:
    """A ViT classifier at 224x224."""
    input_size = (IMAGE_SIZE, IMAGE_SIZE)

    def __init__(self, sizes):
        self.cfg = {**sizes, "patch_size": 16, "image_size": IMAGE_SIZE, "num_channels": 3,
                    "num_classes": NUM_CLASSES, "hidden_act": "gelu", "layer_norm_eps": 1e-12}

    def tokens(self, size):
        return 1 + (size[0] // 16) * (size[1] // 16)

    def hf_config(self):
        return ref.hf_config({**ref.DEFAULTS, **self.cfg})

    def load(self, folder):
        return ref.load_hf(folder)

    def save(self, folder):
        model = ref.randomize_(ref.build_model(self.cfg), torch.Generator().manual_seed(SEED))
        ref.save_hf(model, folder)
        st.write_json(os.path.join(folder, "preprocessor_config.json"),
                      make_fixtures.hf_preprocessor(IMAGE_SIZE, IMAGE_SIZE, 2, [0.5] * 3, [0.5] * 3))
        return model


class Detector:
    """hustvl/yolos-tiny's shape (no mid-position embeddings, 91 COCO classes) at 512x688."""
    input_size = (512, 688)

    def __init__(self, sizes):
        self.cfg = {**sizes, "patch_size": 16, "image_size": (800, 1333), "num_detection_tokens": 100,
                    "use_mid_position_embeddings": False, "num_labels": 91}

    def tokens(self, size):
        return 1 + (size[0] // 16) * (size[1] // 16) + 100

    def hf_config(self):
        return yolos.hf_config({**yolos.DEFAULTS, **self.cfg})

    def load(self, folder):
        return yolos.load_hf(folder)

    def save(self, folder):
        model = yolos.randomize_(yolos.build_model(self.cfg), torch.Generator().manual_seed(SEED))
        yolos.save_hf(model, folder, shortest_edge=self.input_size[0])
        return model


MODELS = {
    "deit-tiny": Classifier({"hidden_size": 192, "num_layers": 12, "num_heads": 3, "mlp_size": 768}),
    "vit-s16": Classifier({"hidden_size": 384, "num_layers": 12, "num_heads": 6, "mlp_size": 1536}),
    "vit-b16": Classifier({"hidden_size": 768, "num_layers": 12, "num_heads": 12, "mlp_size": 3072}),
    "yolos-tiny": Detector({"hidden_size": 192, "num_layers": 12, "num_heads": 3, "mlp_size": 768}),
}


# (model, input size or None for the model's own, long sequence?) in table order.
ROWS = [("deit-tiny", None, False), ("vit-s16", None, False), ("vit-b16", None, False), ("yolos-tiny", None, False),
        ("vit-s16", (1024, 1024), True), ("yolos-tiny", (800, 1088), True)]


def cached_model(cache, name):
    """The reference model, loaded from `cache/name` when that holds this exact config."""
    kind = MODELS[name]
    folder = os.path.join(cache, name)
    config_path = os.path.join(folder, "config.json")
    files = [config_path] + [os.path.join(folder, f) for f in ("model.safetensors", "preprocessor_config.json")]
    if all(os.path.exists(f) for f in files):
        with open(config_path) as f:
            if json.load(f) == kind.hf_config():
                print(f"{name}: reusing {folder}", flush=True)
                return folder, kind.load(folder)
    print(f"{name}: writing seeded random weights to {folder}", flush=True)
    return folder, kind.save(folder)


def blas_backend():
    """The BLAS library torch actually loaded: Debian's torch reports BLAS_INFO=generic and
    uses whatever libblas.so.3 the alternatives system points at."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        libraries = sorted(set(re.findall(r"/\S*(?:blas|mkl)\S*\.so\S*", f.read())))
    build = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return (build.group(1) if build else "unknown"), libraries


def time_pytorch(model, input_size, runs, warmup):
    pixels = torch.randn(3, *input_size, generator=torch.Generator().manual_seed(SEED))
    # Like `vitlens-cli bench`, no attention is kept: each layer's probabilities are freed.
    for _ in range(warmup):
        ref.run(model, pixels, keep_attention=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        ref.run(model, pixels, keep_attention=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_pytorch_alone(name, folder, input_size, runs, warmup, threads):
    """time_pytorch in this (fresh) process: (median ms, the process's peak RSS in MiB)."""
    torch.set_num_threads(threads)
    ms = time_pytorch(MODELS[name].load(folder), input_size, runs, warmup)
    return ms, peak_rss_mib("/proc/self/status")


# Linux carries a process's peak RSS across exec (ru_maxrss starts at what the parent held
# when it forked), so both sides read the peak of their own address space instead: VmHWM.
def peak_rss_mib(status_path):
    with open(status_path) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"{status_path} has no VmHWM line")


def time_vitlens(cli, folder, input_size, device, runs, warmup, threads):
    """vitlens-cli bench's JSON report, with "peak_rss_mib" (the process's peak) added."""
    env = dict(os.environ)
    env.setdefault("LP_NUM_THREADS", str(threads))  # lavapipe's thread count, to match torch's
    command = [cli, "bench", "--model", folder, "--device", device, "--runs", str(runs), "--warmup", str(warmup),
               "--size", f"{input_size[0]}x{input_size[1]}", "--json"]
    # /usr/bin/time forks vitlens-cli from its own small process, so its %M (peak RSS, KiB)
    # is vitlens-cli's alone (see peak_rss_mib).
    with tempfile.NamedTemporaryFile("r") as peak:
        timed = ["/usr/bin/time", "-f", "%M", "-o", peak.name] + command
        result = subprocess.run(timed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({result.returncode}); run it by hand to see why")
        peak_kib = int(peak.read().split()[-1])
    return {**json.loads(result.stdout), "peak_rss_mib": peak_kib / 1024}


def print_tables(rows):
    header = ["model", "input", "tokens", "PyTorch ms/image", "ViTLens ms/image", "device", "speed-up",
              "PyTorch peak MiB", "ViTLens peak MiB"]
    cells = [[r["model"], r["input"], str(r["tokens"]), f"{r['pytorch_ms']:.1f}", f"{r['vitlens_ms']:.1f}", r["device"],
              f"{r['pytorch_ms'] / r['vitlens_ms']:.2f}x", f"{r['pytorch_mib']:.0f}", f"{r['vitlens_mib']:.0f}"]
             for r in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *cells)]
    print()
    for line in [header] + cells:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    print("\n| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i in (0, 1, 5) else "---:" for i in range(len(header))) + "|")
    for line in cells:
        print("| " + " | ".join(line) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated subset of {', '.join(MODELS)} (default: all)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per model (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--long-runs", type=int, default=3,
                        help="timed runs of the long-sequence rows, after one warm-up run (default 3)")
    parser.add_argument("--no-long", action="store_true", help="skip the long-sequence rows")
    parser.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "cli", "vitlens-cli"),
                        help="path of vitlens-cli (default: build/app/cli/vitlens-cli)")
    parser.add_argument("--device", default="auto", help="ViTLens --device (default auto)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for PyTorch and lavapipe (default 2)")
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "bench-models"),
                        help="folder for the generated checkpoints (default build/bench-models)")
    args = parser.parse_args()

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    if args.runs < 1 or args.long_runs < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--runs, --long-runs and --threads must be positive, --warmup not negative")
    if not os.access(args.cli, os.X_OK):
        parser.error(f"{args.cli}: no vitlens-cli there; build it or pass --cli")

    torch.set_num_threads(args.threads)
    build_blas, libraries = blas_backend()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS_INFO={build_blas}, "
          f"loaded: {', '.join(libraries) or 'no BLAS library'}; "
          f"vitlens-cli runs with LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', args.threads)} (lavapipe)")
    if not any("openblas" in lib for lib in libraries):
        print("\n" + "!" * 78 + "\nWARNING: torch is not using OpenBLAS, so its timings are far from what PyTorch\n"
              "can do. On Debian: apt-get install libopenblas0-pthread\n" + "!" * 78 + "\n", file=sys.stderr)

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: load average {load:.1f} before starting; other work on this machine makes timings noisy "
              "(busy cores hurt both sides, spinning OpenMP/OpenBLAS threads most)", file=sys.stderr)

    rows = []
    models = {}
    for name, size, long_sequence in ROWS:
        if name not in names or (long_sequence and args.no_long):
            continue
        if name not in models:
            models[name] = cached_model(args.cache, name)[0]
        folder = models[name]
        input_size = size or MODELS[name].input_size
        runs, warmup = (args.long_runs, 1) if long_sequence else (args.runs, args.warmup)
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pytorch_ms, pytorch_mib = pool.apply(time_pytorch_alone,
                                                 (name, folder, input_size, runs, warmup, args.threads))
        vitlens = time_vitlens(args.cli, folder, input_size, args.device, runs, warmup, args.threads)
        rows.append({"model": name, "input": f"{input_size[0]}x{input_size[1]}", "tokens": MODELS[name].tokens(input_size),
                     "pytorch_ms": pytorch_ms, "vitlens_ms": vitlens["median_ms"], "device": vitlens["device"],
                     "pytorch_mib": pytorch_mib, "vitlens_mib": vitlens["peak_rss_mib"]})
        print(f"{name} at {input_size[0]}x{input_size[1]}: PyTorch {pytorch_ms:.1f} ms ({pytorch_mib:.0f} MiB peak), "
              f"ViTLens {vitlens['median_ms']:.1f} ms ({vitlens['peak_rss_mib']:.0f} MiB peak) on {vitlens['device']} "
              f"(first run {vitlens['first_ms']:.1f} ms)", flush=True)
    print(f"\nMedian of {args.runs} runs after {args.warmup} warm-up runs ({args.long_runs} after 1 for long "
          "sequences), batch 1, "
          f"{args.threads} threads; speed-up = PyTorch time / ViTLens time.")
    print_tables(rows)


if __name__ == "__main__":
    main()
