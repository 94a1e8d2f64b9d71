#!/usr/bin/python3
"""Writes tests/fixtures/pickle/: PyTorch checkpoints made by torch.save from the safetensors
fixtures (their twins), and hostile pickles the restricted reader must refuse.

Twins (the same weights as the safetensors fixture named in brackets):
  hf_vit_bin/            pytorch_model.bin, F32, one tensor a transposed view and one a
                         slice at an offset of a shared storage                    [hf_vit]
  hf_vit_bin_sharded/    pytorch_model-0000N-of-00002.bin + pytorch_model.bin.index.json [hf_vit]
  dino_nested/           checkpoint.pth as DINO's full releases: {'teacher', 'student'} with
                         'module.backbone.' names, a projection head, an epoch; F16 [timm_vit_f16]
  deit_bf16/             deit_distilled_bf16.pth as DeiT's releases: {'model': ...}, BF16  [timm_deit_distilled_bf16]
Hostile (hostile/*.pth): os_system (GLOBAL os.system + REDUCE), reduce_storage (REDUCE on
an allowed non-callable global), eval_builtin (STACK_GLOBAL builtins.eval), truncated (a
valid file cut short), storage_outside (a persistent id naming no archive entry),
storage_too_big (numel past its entry), legacy (the pre-1.6 format). Each would run
`touch /tmp/vitlens-pickle-pwned` if it were unpickled by Python.

Run: /usr/bin/python3 tools/make_pickle_fixtures.py
"""
import collections
import io
import json
import os
import shutil
import sys
import zipfile

import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import read_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
OUT = os.path.join(ROOT, "pickle")
PWNED = "touch /tmp/vitlens-pickle-pwned"


def copy_configs(source, target):
    for name in ("config.json", "preprocessor_config.json"):
        if os.path.exists(os.path.join(ROOT, source, name)):
            shutil.copy(os.path.join(ROOT, source, name), os.path.join(target, name))


def folder(name):
    path = os.path.join(OUT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def hf_vit_bin():
    out = folder("hf_vit_bin")
    copy_configs("hf_vit", out)
    weights = read_safetensors(os.path.join(ROOT, "hf_vit", "model.safetensors"))
    state = collections.OrderedDict()
    names = list(weights)
    for name in names:
        state[name] = weights[name].clone()
    matrix = next(n for n in names if weights[n].dim() == 2 and weights[n].shape[0] != weights[n].shape[1])
    state[matrix] = weights[matrix].t().contiguous().t()  # strides (1, rows): not contiguous
    a, b = [n for n in names if weights[n].dim() == 1][:2]
    shared = torch.cat([weights[a], weights[b]])
    state[a], state[b] = shared[: weights[a].numel()], shared[weights[a].numel():]  # b starts at an offset
    torch.save(state, os.path.join(out, "pytorch_model.bin"))


def hf_vit_bin_sharded():
    out = folder("hf_vit_bin_sharded")
    copy_configs("hf_vit", out)
    weights = read_safetensors(os.path.join(ROOT, "hf_vit", "model.safetensors"))
    names = list(weights)
    half = len(names) // 2
    weight_map = {}
    for index, part in enumerate((names[:half], names[half:]), start=1):
        shard = "pytorch_model-%05d-of-00002.bin" % index
        torch.save(collections.OrderedDict((n, weights[n]) for n in part), os.path.join(out, shard))
        weight_map.update({n: shard for n in part})
    with open(os.path.join(out, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2)


def dino_nested():
    out = folder("dino_nested")
    copy_configs("timm_vit_f16", out)
    weights = read_safetensors(os.path.join(ROOT, "timm_vit_f16", "model.safetensors"))
    teacher = collections.OrderedDict(("module.backbone." + n, t.half()) for n, t in weights.items())
    teacher["module.head.mlp.0.weight"] = torch.randn(8, 4).half()
    teacher["module.head.last_layer.weight_g"] = torch.ones(16, 1).half()
    student = collections.OrderedDict((n, torch.zeros_like(t)) for n, t in teacher.items())
    torch.save({"student": student, "teacher": teacher, "epoch": 100, "lr": 0.0005}, os.path.join(out, "checkpoint.pth"))


def deit_bf16():
    out = folder("deit_bf16")
    copy_configs("timm_deit_distilled_bf16", out)
    weights = read_safetensors(os.path.join(ROOT, "timm_deit_distilled_bf16", "deit_distilled_bf16.safetensors"))
    model = collections.OrderedDict((n, t.bfloat16()) for n, t in weights.items())
    torch.save({"model": model}, os.path.join(out, "deit_distilled_bf16.pth"))


def archive(path, pickle_bytes, storages=None):
    """A zip laid out as torch.save lays it out, with a hand-written data.pkl."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        for key, data in (storages or {}).items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")


def text(s):
    data = s.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


def tensor_pickle(key, numel, size):
    """{'w': _rebuild_tensor_v2(storage(key, numel), 0, (size,), (1,), False, OrderedDict())}."""
    pid = b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text(key) + text("cpu") + b"J" + numel.to_bytes(4, "little") + b"tQ"
    rebuild = b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + b"K\x00K" + bytes([size]) + b"\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\x00R"
    return b"\x80\x02}(" + text("w") + rebuild + b"u."


def hostile():
    out = folder("hostile")
    archive(os.path.join(out, "os_system.pth"), b"\x80\x02cos\nsystem\n" + text(PWNED) + b"\x85R.")
    archive(os.path.join(out, "reduce_storage.pth"), b"\x80\x02ctorch\nFloatStorage\n)R.")
    archive(os.path.join(out, "eval_builtin.pth"), b"\x80\x04" + text("builtins") + text("eval") + b"\x93" + text("__import__('os').system('%s')" % PWNED) + b"\x85R.")
    archive(os.path.join(out, "storage_outside.pth"), tensor_pickle("7", 4, 4), {"0": b"\0" * 16})
    archive(os.path.join(out, "storage_too_big.pth"), tensor_pickle("0", 1000, 4), {"0": b"\0" * 16})
    with open(os.path.join(OUT, "hf_vit_bin", "pytorch_model.bin"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "truncated.pth"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    torch.save({"w": torch.zeros(4)}, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    hf_vit_bin()
    hf_vit_bin_sharded()
    dino_nested()
    deit_bf16()
    hostile()
