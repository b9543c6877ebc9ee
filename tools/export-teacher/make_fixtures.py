"""Regenerates the teacher fixtures the Java tests load (teacher-producer/src/test/resources/teachers/).

  python -m venv /tmp/venv && /tmp/venv/bin/pip install -r tools/export-teacher/requirements.txt
  /tmp/venv/bin/python tools/export-teacher/make_fixtures.py

For each architecture: a small randomly initialised model (seed 0, 3 classes like the synthetic set),
exported as TorchScript (`<arch>.pt`) and ONNX (`<arch>.onnx`), and `<arch>-golden.npz` with the
normalised input of the two golden images and PyTorch's outputs on them (names as in the contract:
logits_k, boxes_k, embeddings_k, features_l, query_prior). The two images are drawn here (shapes on
a gradient, 128 x 128 so the producer's resize is the identity) and written as PNG beside them.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from export_teacher import ARCHS, export

SIZE = 128
OUT = Path(__file__).resolve().parents[2] / "teacher-producer/src/test/resources/teachers"


def golden_images():
    paths = []
    rng = np.random.default_rng(7)
    for i in range(2):
        yy, xx = np.mgrid[0:SIZE, 0:SIZE]
        base = np.stack([xx * 255 // SIZE, yy * 255 // SIZE, np.full_like(xx, 60 + 100 * i)], axis=-1).astype(np.uint8)
        img = Image.fromarray(base)
        d = ImageDraw.Draw(img)
        for _ in range(3):
            x, y, s = rng.integers(8, 80), rng.integers(8, 80), rng.integers(16, 40)
            color = tuple(int(c) for c in rng.integers(0, 255, 3))
            if rng.random() < 0.5:
                d.rectangle([x, y, x + s, y + s], fill=color)
            else:
                d.ellipse([x, y, x + s, y + s], fill=color)
        path = OUT / f"golden-{i + 1}.png"
        img.save(path)
        paths.append(path)
    return paths


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    images = golden_images()
    for arch in ARCHS:
        export(arch, OUT / f"{arch}.pt", OUT / f"{arch}.onnx", SIZE, 3, None, OUT / f"{arch}-golden.npz", images, 0)


if __name__ == "__main__":
    main()
