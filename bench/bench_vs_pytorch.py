#!/usr/bin/python3
"""Times ViTLens against PyTorch and ONNX Runtime on the CPU for standard ViT sizes and a YOLOS detector.

For each model it builds (once, cached) a seeded random-weight checkpoint in the Hugging
Face layout with tools/vit_reference.py (classifiers) or tools/yolos_reference.py (the
yolos-tiny-shaped detector: 100 detection tokens, training grid 800x1333, run at 512x688, the
size YolosImageProcessor gives a 512x700 image at shortest edge 512), times that reference
model in PyTorch (CPU, eval, batch 1, a fixed number of threads), exports the same model with
torch.onnx.export and times it with ONNX Runtime's CPU library (the npm package
onnxruntime-node, driven by bench/ort_time.js under node), then runs `vitlens-cli bench --json`
on the same folder at the same input size on each ViTLens device (default: the oneDNN `cpu`
backend and Vulkan on lavapipe), and prints both a plain table and a Markdown one for the
README. ONNX Runtime is skipped unless --onnxruntime names the node_modules folder of
    npm install --ignore-scripts onnxruntime-node
(run in any scratch folder; node must be on PATH).

Long-sequence rows follow the standard ones (ViT-S/16 at 1024x1024, 4,097 tokens; the
detector at 800x1088) with fewer runs (--long-runs); every row also reports the peak
resident memory of each side: PyTorch times each row in a fresh child process, so its figure
is that process's peak (torch and the loaded model included), and vitlens-cli's is its
process's peak.

Only timings are compared here: random weights say nothing about accuracy, and agreement of
the logits is what the fixture tests check.

Run with Debian's /usr/bin/python3 (it has torch):
    /usr/bin/python3 bench/bench_vs_pytorch.py --cli build/app/cli/vitlens-cli --onnxruntime SCRATCH/node_modules
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
    outputs = ("logits",)

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
    outputs = ("detection_logits", "detection_boxes")

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


def time_pytorch(model, input_size, runs, warmup, device):
    pixels = torch.randn(3, *input_size, generator=torch.Generator().manual_seed(SEED)).to(device)
    model = model.to(device)
    # A GPU runs asynchronously: each timed run ends when the device has finished it.
    finish = torch.cuda.synchronize if pixels.is_cuda else (lambda: None)
    # Like `vitlens-cli bench`, no attention is kept: each layer's probabilities are freed.
    for _ in range(warmup):
        ref.run(model, pixels, keep_attention=False)
    finish()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        ref.run(model, pixels, keep_attention=False)
        finish()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_pytorch_alone(name, folder, input_size, runs, warmup, threads, device):
    """time_pytorch in this (fresh) process: (median ms, the process's peak RSS in MiB)."""
    torch.set_num_threads(threads)
    ms = time_pytorch(MODELS[name].load(folder), input_size, runs, warmup, device)
    return ms, peak_rss_mib("/proc/self/status")


# Linux carries a process's peak RSS across exec (ru_maxrss starts at what the parent held
# when it forked), so both sides read the peak of their own address space instead: VmHWM.
def peak_rss_mib(status_path):
    with open(status_path) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"{status_path} has no VmHWM line")


class OnnxOutputs(torch.nn.Module):
    """The reference model as ONNX sees it: pixels in, the model's outputs out, no attention kept."""

    def __init__(self, model, names):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, pixels):
        out = self.model(pixels, keep_attention=False)
        return tuple(out[n] for n in self.names)


def export_onnx(name, folder, input_size):
    """The model of `folder` exported at one input size (ONNX graphs here have fixed shapes)."""
    path = os.path.join(folder, f"model_{input_size[0]}x{input_size[1]}.onnx")
    if not os.path.exists(path):
        kind = MODELS[name]
        wrapper = OnnxOutputs(kind.load(folder).eval(), kind.outputs)
        pixels = torch.zeros(3, *input_size)
        with torch.no_grad():
            torch.onnx.export(wrapper, (pixels,), path, input_names=["pixels"], output_names=list(kind.outputs),
                              opset_version=17)
    return path


def time_onnxruntime(node_modules, onnx_path, input_size, runs, warmup, threads):
    """bench/ort_time.js's report: ONNX Runtime's median and first ms per image."""
    env = {**os.environ, "NODE_PATH": node_modules}
    command = ["node", os.path.join(ROOT, "bench", "ort_time.js"), onnx_path, "3", str(input_size[0]), str(input_size[1]),
               str(runs), str(max(warmup, 1)), str(threads)]
    with tempfile.NamedTemporaryFile("r") as peak:
        timed = ["/usr/bin/time", "-f", "%M", "-o", peak.name] + command
        result = subprocess.run(timed, stdout=subprocess.PIPE, text=True, env=env)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({result.returncode})")
        peak_kib = int(peak.read().split()[-1])
    return {**json.loads(result.stdout), "peak_rss_mib": peak_kib / 1024}


def time_vitlens(cli, folder, input_size, device, runs, warmup, threads):
    """vitlens-cli bench's JSON report, with "peak_rss_mib" (the process's peak) added."""
    env = dict(os.environ)
    env.setdefault("LP_NUM_THREADS", str(threads))  # lavapipe's thread count, to match torch's
    command = [cli, "bench", "--model", folder, "--device", device, "--threads", str(threads), "--runs", str(runs),
               "--warmup", str(warmup), "--size", f"{input_size[0]}x{input_size[1]}", "--json"]
    # /usr/bin/time forks vitlens-cli from its own small process, so its %M (peak RSS, KiB)
    # is vitlens-cli's alone (see peak_rss_mib).
    with tempfile.NamedTemporaryFile("r") as peak:
        timed = ["/usr/bin/time", "-f", "%M", "-o", peak.name] + command
        result = subprocess.run(timed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({result.returncode}); run it by hand to see why")
        peak_kib = int(peak.read().split()[-1])
    return {**json.loads(result.stdout), "peak_rss_mib": peak_kib / 1024}


def ratio(numerator, denominator):
    return f"{numerator / denominator:.2f}x" if numerator and denominator else "-"


def ms(value):
    return f"{value:.1f}" if value else "-"


def print_tables(rows, devices):
    """Per row: ms per image of each side, then how many times faster ViTLens's first device is."""
    first = devices[0]
    header = (["model", "input", "tokens", "PyTorch ms", "ONNX Runtime ms"] + [f"ViTLens {d} ms" for d in devices] +
              [f"{first} vs PyTorch", f"{first} vs ONNX Runtime", "PyTorch peak MiB", f"ViTLens {first} peak MiB"])
    cells = [[r["model"], r["input"], str(r["tokens"]), ms(r["pytorch_ms"]), ms(r["onnxruntime_ms"])] +
             [ms(r["vitlens_ms"][d]) for d in devices] +
             [ratio(r["pytorch_ms"], r["vitlens_ms"][first]), ratio(r["onnxruntime_ms"], r["vitlens_ms"][first]),
              f"{r['pytorch_mib']:.0f}", f"{r['vitlens_mib']:.0f}"]
             for r in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *cells)]
    print()
    for line in [header] + cells:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    print("\n| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i in (0, 1) else "---:" for i in range(len(header))) + "|")
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
    parser.add_argument("--devices", default="cpu,lavapipe",
                        help="comma-separated ViTLens --device values, the first compared with the peers "
                             "(default cpu,lavapipe)")
    parser.add_argument("--onnxruntime", metavar="NODE_MODULES",
                        help="node_modules folder holding onnxruntime-node (npm install --ignore-scripts "
                             "onnxruntime-node); without it ONNX Runtime is not timed")
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads for PyTorch, ONNX Runtime, ViTLens cpu and lavapipe (default 2)")
    parser.add_argument("--torch-device", default="cpu",
                        help="where PyTorch runs: cpu (default) or cuda, the peer of a ViTLens GPU device")
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
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    if not devices:
        parser.error("--devices names no device")
    if args.onnxruntime and not os.path.isdir(os.path.join(args.onnxruntime, "onnxruntime-node")):
        parser.error(f"{args.onnxruntime}: no onnxruntime-node there; run npm install --ignore-scripts onnxruntime-node")

    if args.torch_device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--torch-device cuda: this torch sees no CUDA device")
    torch.set_num_threads(args.threads)
    build_blas, libraries = blas_backend()
    where = (f"on {torch.cuda.get_device_name(args.torch_device)}" if args.torch_device.startswith("cuda")
             else "on the CPU")
    print(f"torch {torch.__version__} {where}, {torch.get_num_threads()} threads, BLAS_INFO={build_blas}, "
          f"loaded: {', '.join(libraries) or 'no BLAS library'}; "
          f"vitlens-cli runs with --threads {args.threads} and LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', args.threads)} (lavapipe)")
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
                                                 (name, folder, input_size, runs, warmup, args.threads,
                                                  args.torch_device))
        onnxruntime_ms = None
        if args.onnxruntime:
            ort = time_onnxruntime(args.onnxruntime, export_onnx(name, folder, input_size), input_size, runs, warmup,
                                   args.threads)
            onnxruntime_ms = ort["median_ms"]
            print(f"{name} at {input_size[0]}x{input_size[1]}: ONNX Runtime {onnxruntime_ms:.1f} ms "
                  f"({ort['peak_rss_mib']:.0f} MiB peak, first run {ort['first_ms']:.1f} ms)", flush=True)
        vitlens_ms, vitlens_mib = {}, None
        for device in devices:
            vitlens = time_vitlens(args.cli, folder, input_size, device, runs, warmup, args.threads)
            vitlens_ms[device] = vitlens["median_ms"]
            vitlens_mib = vitlens_mib if vitlens_mib is not None else vitlens["peak_rss_mib"]
            print(f"{name} at {input_size[0]}x{input_size[1]}: ViTLens {vitlens['median_ms']:.1f} ms "
                  f"({vitlens['peak_rss_mib']:.0f} MiB peak) on {vitlens['device']} (first run {vitlens['first_ms']:.1f} ms)",
                  flush=True)
        rows.append({"model": name, "input": f"{input_size[0]}x{input_size[1]}", "tokens": MODELS[name].tokens(input_size),
                     "pytorch_ms": pytorch_ms, "onnxruntime_ms": onnxruntime_ms, "vitlens_ms": vitlens_ms,
                     "pytorch_mib": pytorch_mib, "vitlens_mib": vitlens_mib})
        print(f"{name} at {input_size[0]}x{input_size[1]}: PyTorch {pytorch_ms:.1f} ms ({pytorch_mib:.0f} MiB peak)",
              flush=True)
    print(f"\nMedian of {args.runs} runs after {args.warmup} warm-up runs ({args.long_runs} after 1 for long "
          "sequences), batch 1, "
          f"{args.threads} threads; 'X vs Y' = Y's time / ViTLens X's time (above 1: ViTLens is faster).")
    print_tables(rows, devices)


if __name__ == "__main__":
    main()
