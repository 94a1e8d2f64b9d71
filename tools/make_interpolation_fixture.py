#!/usr/bin/python3
"""Writes tests/fixtures/interpolation/bicubic.json: a small position-embedding table and
PyTorch's bicubic resampling of its patch rows to a few grids, the reference the C++
interpolate_pos_embed is tested against.

Resampling is `F.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)` in
float64, as current transformers' interpolate_pos_encoding calls it. The table is drawn in
float32 so the C++ side reads exactly the same input values.

Run with Debian's /usr/bin/python3 (it has torch): /usr/bin/python3 tools/make_interpolation_fixture.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

PREFIX = 2
GRID = (4, 4)
WIDTH = 3
TARGETS = {"upscale": (7, 7), "downscale": (3, 3), "non_square": (5, 2)}


def resample(table, grid, size):
    patches = table[PREFIX:].reshape(1, grid[0], grid[1], -1).permute(0, 3, 1, 2)
    resized = F.interpolate(patches, size=size, mode="bicubic", align_corners=False)
    return torch.cat([table[:PREFIX], resized.permute(0, 2, 3, 1).reshape(-1, table.shape[1])])


def main():
    torch.manual_seed(1234)
    table = torch.randn(PREFIX + GRID[0] * GRID[1], WIDTH, dtype=torch.float32).double()
    fixture = {
        "torch_version": torch.__version__,
        "prefix": PREFIX,
        "grid": list(GRID),
        "table": table.tolist(),
        "cases": [
            {"name": name, "grid": list(size), "expected": resample(table, GRID, size).tolist()}
            for name, size in TARGETS.items()
        ],
    }
    out = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/interpolation/bicubic.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
