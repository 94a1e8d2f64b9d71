#!/usr/bin/python3
"""Writes tests/fixtures/interpolation/{bicubic,bicubic_antialias}.json: a small
position-embedding table and PyTorch's resampling of its patch rows to a few grids, the
references the C++ interpolate_pos_embed is tested against.

bicubic.json: `F.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)`, as
current transformers' interpolate_pos_encoding calls it.
bicubic_antialias.json: `F.interpolate(grid, size=(gh, gw), mode="bicubic", antialias=True)`,
the call in timm's resample_abs_pos_embed (timm/layers/pos_embed.py, interpolation="bicubic",
antialias=True by default), which VisionTransformer._pos_embed makes with dynamic_img_size.
Both in float64; the table is drawn in float32 so the C++ side reads exactly the same values.

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
# Shrinking by more than 2 widens the antialiasing kernel past four taps.
ANTIALIAS_TARGETS = {**TARGETS, "strong_downscale": (1, 2), "mixed": (3, 9)}


def resample(table, grid, size, antialias):
    patches = table[PREFIX:].reshape(1, grid[0], grid[1], -1).permute(0, 3, 1, 2)
    if antialias:
        resized = F.interpolate(patches, size=size, mode="bicubic", antialias=True)
    else:
        resized = F.interpolate(patches, size=size, mode="bicubic", align_corners=False)
    return torch.cat([table[:PREFIX], resized.permute(0, 2, 3, 1).reshape(-1, table.shape[1])])


def write(name, table, targets, antialias):
    fixture = {
        "torch_version": torch.__version__,
        "antialias": antialias,
        "prefix": PREFIX,
        "grid": list(GRID),
        "table": table.tolist(),
        "cases": [
            {"name": case, "grid": list(size), "expected": resample(table, GRID, size, antialias).tolist()}
            for case, size in targets.items()
        ],
    }
    out = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/interpolation" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {out}")


def main():
    torch.manual_seed(1234)
    table = torch.randn(PREFIX + GRID[0] * GRID[1], WIDTH, dtype=torch.float32).double()
    write("bicubic.json", table, TARGETS, antialias=False)
    write("bicubic_antialias.json", table, ANTIALIAS_TARGETS, antialias=True)


if __name__ == "__main__":
    main()
