"""Writes ViTLens's YOLOS golden fixtures under tests/fixtures/yolos/ (deterministic):

    /usr/bin/python3 tools/make_yolos_fixtures.py

Two small random-weight YolosForObjectDetection checkpoints in the Hugging Face layout, run by
the independent PyTorch reference in tools/yolos_reference.py:

  yolos_mid   hidden 32, 3 layers, 2 heads, patch 8, training size 32x48 (4x6 grid),
              10 detection tokens, mid-position embeddings, 5 named classes
  yolos_coco  hidden 48, 2 layers, 3 heads, patch 16, training size 56x88 (3x5 grid, sides
              not multiples of the patch), 6 detection tokens, no mid-position embeddings,
              92 class logits and no id2label (ViTLens falls back to the COCO names)

Each expected_<H>x<W>.safetensors holds pixel_values [3, H, W] (seeded normal), hidden_state,
attention [L, heads, T, T], detection_logits [S, C + 1], detection_boxes [S, 4]. Inputs are
non-square and differ from the training grid, except one at the training grid.

manifest.json lists the cases, plus:
  resize_sizes   YolosImageProcessor output sizes for image sizes and settings
                 (tools/yolos_reference.capped_resize_size)
  post_process   transformers' post_process_object_detection of one case's outputs for an
                 original image size and threshold
"""

import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402
import yolos_reference as yolos  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "yolos")

MODELS = {
    "yolos_mid": {
        "cfg": {"hidden_size": 32, "num_layers": 3, "num_heads": 2, "mlp_size": 64, "patch_size": 8,
                "image_size": (32, 48), "num_detection_tokens": 10, "use_mid_position_embeddings": True,
                "num_labels": 5, "id2label": {"0": "N/A", "1": "cat", "2": "dog", "3": "N/A", "4": "remote"}},
        "id2label": True, "shortest_edge": 32, "seed": 11, "sizes": [(40, 56), (32, 48)],
    },
    "yolos_coco": {
        "cfg": {"hidden_size": 48, "num_layers": 2, "num_heads": 3, "mlp_size": 96, "patch_size": 16,
                "image_size": (56, 88), "num_detection_tokens": 6, "use_mid_position_embeddings": False,
                "num_labels": 91, "hidden_act": "gelu", "layer_norm_eps": 1e-12},
        "id2label": False, "shortest_edge": 64, "seed": 12, "sizes": [(64, 96)],
    },
}

RESIZE_CASES = [  # (height, width, shortest_edge, longest_edge)
    (480, 640, 512, 1333), (640, 480, 512, 1333), (512, 700, 512, 1333), (700, 512, 512, 1333),
    (427, 640, 800, 1333), (1080, 1920, 800, 1333), (20, 4000, 512, 1333), (4000, 25, 512, 1333),
    (333, 500, 512, 1333), (100, 100, 512, 1333), (375, 500, 800, 1333), (1000, 333, 800, 1333),
    (801, 1999, 800, 1333), (50, 3000, 800, 1333), (300, 451, 256, 1333),
]


def write_case(name, spec):
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    generator = torch.Generator().manual_seed(spec["seed"])
    model = yolos.randomize_(yolos.build_model(spec["cfg"]), generator)
    yolos.save_hf(model, folder, spec["shortest_edge"], with_id2label=spec["id2label"])
    model = yolos.load_hf(folder)  # run the weights as stored
    cases = []
    for height, width in spec["sizes"]:
        pixels = torch.randn(3, height, width, generator=generator)
        out = yolos.run(model, pixels)
        expected = f"{name}/expected_{height}x{width}.safetensors"
        st.write_safetensors(os.path.join(ROOT, expected), {"pixel_values": pixels, **out})
        probs = out["detection_logits"].softmax(-1)[:, :-1].max(-1).values
        print(f"{name} {height}x{width}: best class probabilities {[round(float(p), 3) for p in probs]}")
        cases.append({"name": f"{name}_{height}x{width}", "model": name, "expected": expected,
                      "mid_position_embeddings": model.mid_pos_embed is not None})
    return cases, out


def main():
    os.makedirs(ROOT, exist_ok=True)
    cases = []
    for name, spec in MODELS.items():
        written, last = write_case(name, spec)
        cases += written
        if name == "yolos_mid":
            post = {"case": written[0]["name"], "image_height": 375, "image_width": 500, "threshold": 0.2}
            out = yolos.run(yolos.load_hf(os.path.join(ROOT, name)),
                            st.read_safetensors(os.path.join(ROOT, written[0]["expected"]))["pixel_values"])
            post["detections"] = [{"token": t, "label_id": c, "score": s, "box": b}
                                  for t, c, s, b in yolos.post_process(out["detection_logits"], out["detection_boxes"],
                                                                       375, 500, post["threshold"])]
    resize = [{"height": h, "width": w, "shortest_edge": s, "longest_edge": m,
               "resized": list(yolos.capped_resize_size(h, w, s, m))} for h, w, s, m in RESIZE_CASES]
    st.write_json(os.path.join(ROOT, "manifest.json"), {"cases": cases, "post_process": post, "resize_sizes": resize})


if __name__ == "__main__":
    main()
