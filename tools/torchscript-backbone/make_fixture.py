"""A tiny TorchScript trunk and PyTorch's own output on a fixed input, for the Java TorchScript-backbone test.

Any torchvision/timm trunk is exported the same way (torch.jit.trace of a module mapping ImageNet-normalised
(B, 3, S, S) images to one (B, C, S/stride, S/stride) map); this one is small enough to commit.

Regenerate:
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install --retries 0 --timeout 3 torch==2.13.0
  /tmp/venv/bin/python make_fixture.py --out ../../detr-core/src/test/resources/torchscript
Writes tiny-trunk.pt and tiny-trunk-io.bin (little-endian float32: the (1,3,64,64) input, then the (1,24,8,8) output).
"""

import argparse
import os

import torch
from torch import nn


def trunk():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 24, 3, stride=2, padding=1), nn.ReLU(),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = trunk()
    with torch.no_grad():  # non-trivial BatchNorm statistics, as a trained trunk has
        for m in model:
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.linspace(-2, 2, 3 * 64 * 64).reshape(1, 3, 64, 64)
    traced = torch.jit.trace(model, torch.zeros(1, 3, 64, 64))
    os.makedirs(args.out, exist_ok=True)
    traced.save(os.path.join(args.out, "tiny-trunk.pt"))
    with torch.no_grad():
        y = traced(x)
    with open(os.path.join(args.out, "tiny-trunk-io.bin"), "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<f4").tobytes())
    print("output", tuple(y.shape), float(y.abs().max()))


if __name__ == "__main__":
    main()
