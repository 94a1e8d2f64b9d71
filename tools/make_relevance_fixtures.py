"""PyTorch autograd fixtures for the gradient-based explanations (docs/attention.md):

  - attention_grad [L, H, T, T]: d logit_k / d A_l for every layer's post-softmax attention,
  - relevance [gh, gw]: Chefer, Gur & Wolf (ICCV 2021), R = I; R += mean_h (dA * A)^+ @ R per
    layer in order; the CLS row over the patches (their generic-attention code's rule),
  - gradcam [gh, gw]: pytorch-grad-cam on ViTs: blocks[-1].norm1's output, gradients averaged
    over the patch tokens per channel, ReLU of the weighted sum,
  - pixel_grad [C, H, W]: d logit_k / d pixels,
for the golden fixture models (tools/vit_reference.py: the independent Hugging Face / timm
implementation), computed by torch.autograd in float64.

    /usr/bin/python3 tools/make_relevance_fixtures.py
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402
import vit_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
CASES = [
    # name, model loader, expected file with the input, target class
    ("hf_vit", lambda: ref.load_hf(os.path.join(ROOT, "hf_vit")), "hf_vit/expected_40x56.safetensors", 2),
    ("hf_deit_distilled", lambda: ref.load_hf(os.path.join(ROOT, "hf_deit_distilled")), "hf_deit_distilled/expected_32x32.safetensors", 1),
    ("timm_vit_f16", lambda: ref.load_timm(os.path.join(ROOT, "timm_vit_f16", "model.safetensors")), "timm_vit_f16/expected_32x32.safetensors", 3),
]


def explain(model, pixels, target):
    model = model.double()
    pixels = pixels.double().requires_grad_(True)
    x = model.embed(pixels)
    probs, norm1 = [], {}
    handle = model.blocks[-1].norm1.register_forward_hook(lambda _m, _i, out: norm1.setdefault("out", out))
    for block in model.blocks:
        x, p = block(x)
        probs.append(p)
    handle.remove()
    hidden = model.norm(x) if model.norm is not None else x
    logit = model.classify(hidden)[target]
    grads = torch.autograd.grad(logit, probs + [norm1["out"], pixels])
    attention_grad = torch.stack(grads[: len(probs)])
    attention = torch.stack(probs).detach()

    tokens = attention.shape[-1]
    relevance = torch.eye(tokens, dtype=torch.float64)
    for a, g in zip(attention, attention_grad):
        relevance = relevance + (g * a).clamp(min=0).mean(dim=0) @ relevance
    prefix = model.num_prefix
    p = model.cfg["patch_size"]
    gh, gw = pixels.shape[1] // p, pixels.shape[2] // p
    act, act_grad = norm1["out"].detach()[prefix:], grads[len(probs)][prefix:]
    weights = act_grad.mean(dim=0)
    gradcam = torch.relu((act * weights).sum(dim=1))
    return {
        "attention_grad": attention_grad,
        "relevance": relevance[0, prefix:].reshape(gh, gw),
        "gradcam": gradcam.reshape(gh, gw),
        "pixel_grad": grads[-1],
    }


def main():
    out_dir = os.path.join(ROOT, "relevance")
    os.makedirs(out_dir, exist_ok=True)
    for name, load, expected, target in CASES:
        pixels = st.read_safetensors(os.path.join(ROOT, expected))["pixel_values"]
        result = explain(load(), pixels, target)
        tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in result.items()}
        tensors["pixel_values"] = pixels.to(torch.float32)
        tensors["target"] = torch.tensor([float(target)])
        st.write_safetensors(os.path.join(out_dir, name + ".safetensors"), tensors)
        print(name, {k: tuple(v.shape) for k, v in tensors.items()})


if __name__ == "__main__":
    main()
