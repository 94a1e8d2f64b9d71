"""Minimal safetensors reader and writer (the safetensors package is not available here).

Format: bytes 0-7 little-endian u64 header length, then a JSON header
{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the
packed little-endian data. Supports F32, F16 and BF16; the reader returns float32 tensors and
rejects what the reference reader rejects (oversized header, gaps, size/shape mismatches).
A sharded checkpoint is shards plus model.safetensors.index.json {"metadata", "weight_map"}.
"""

import json
import math
import os
import struct

import numpy as np
import torch

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}
_MAX_HEADER = 100 * 1024 * 1024


def _encode(tensor, code):
    t = tensor.detach().to(DTYPES[code][0]).contiguous().cpu()
    if code == "BF16":  # numpy has no bfloat16: keep torch's rounding, ship the raw bits
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4" if code == "F32" else "<f2").tobytes()


def _decode(raw, code, shape):
    if code == "F32":
        values = np.frombuffer(raw, dtype="<f4")
    elif code == "F16":
        values = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    else:
        values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    return torch.from_numpy(values.reshape(shape).copy())


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Writes {name: tensor} with every tensor stored as `dtype` ("F32", "F16" or "BF16")."""
    if dtype not in DTYPES:
        raise ValueError(f"unsupported dtype {dtype!r}")
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        data = _encode(tensor, dtype)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the reference writer pads so the data starts aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)
    return offset


def read_safetensors_header(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > _MAX_HEADER:
            raise ValueError(f"{path}: header of {length} bytes exceeds 100 MB")
        header = json.loads(f.read(length).decode("utf-8"))
    return header, 8 + length


def read_safetensors(path, with_dtypes=False):
    """Returns {name: float32 tensor} (and {name: dtype code} when asked), validating offsets."""
    header, data_start = read_safetensors_header(path)
    header.pop("__metadata__", None)
    with open(path, "rb") as f:
        f.seek(data_start)
        buffer = f.read()
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    expected_begin = 0
    tensors, dtypes = {}, {}
    for name, info in entries:
        begin, end = info["data_offsets"]
        code, shape = info["dtype"], info["shape"]
        if code not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {code}")
        if begin != expected_begin:
            raise ValueError(f"{path}: tensor {name!r} starts at {begin}, expected {expected_begin}")
        if end - begin != math.prod(shape) * DTYPES[code][1]:
            raise ValueError(f"{path}: tensor {name!r} size does not match its shape {shape}")
        tensors[name] = _decode(buffer[begin:end], code, shape)
        dtypes[name] = code
        expected_begin = end
    if expected_begin != len(buffer):
        raise ValueError(f"{path}: data buffer has {len(buffer)} bytes, tensors cover {expected_begin}")
    return (tensors, dtypes) if with_dtypes else tensors


def write_sharded(folder, tensors, num_shards, dtype="F32"):
    """Splits tensors, in order, into `num_shards` files plus model.safetensors.index.json."""
    names = list(tensors)
    bounds = np.linspace(0, len(names), num_shards + 1).round().astype(int)
    weight_map, total = {}, 0
    for s in range(num_shards):
        file = f"model-{s + 1:05d}-of-{num_shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[bounds[s]:bounds[s + 1]]}
        total += write_safetensors(os.path.join(folder, file), part, dtype)
        weight_map.update({n: file for n in part})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    write_json(os.path.join(folder, "model.safetensors.index.json"), index)


def read_checkpoint_folder(folder):
    """Tensors of a Hugging Face folder: model.safetensors or the shards of its index."""
    index_path = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index_path):
        return read_safetensors(os.path.join(folder, "model.safetensors"))
    with open(index_path) as f:
        weight_map = json.load(f)["weight_map"]
    tensors = {}
    for file in sorted(set(weight_map.values())):
        tensors.update(read_safetensors(os.path.join(folder, file)))
    missing = set(weight_map) - set(tensors)
    if missing:
        raise ValueError(f"{index_path}: tensors not found in any shard: {sorted(missing)}")
    return tensors


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
