"""Export a Hugging Face transformers DETR-family detector as a teacher for the DETRDistill producer.

The producer runs a teacher file (TorchScript `.pt` or ONNX `.onnx`) that follows one output contract
(docs/bring-your-own-teacher.md):

  input   pixels (B, 3, S, S) float32: RGB / 255, normalised with the ImageNet mean and std
  outputs a flat tuple, in this order
          logits_1..K      (B, N, C)  sigmoid class logits per decoder stage (no background class)
          boxes_1..K       (B, N, 4)  normalised (cx, cy, w, h)
          embeddings_1..K  (B, N, d)  decoder output per stage
          features_1..L    (B, d, h, w) the maps that enter the encoder (after the input projection)
          query_prior      (N, P)     the learned query prior

`TeacherContract` below wraps a transformers model so that it returns exactly that. Usage:

  python export_teacher.py --arch detr --out detr.pt [--onnx detr.onnx] [--image-size 256]
      [--num-labels 3] [--weights checkpoint_dir_or_file] [--golden golden.npz --images a.png b.png]

Without --weights the model is randomly initialised (seed 0) from a small config; with --weights
it is loaded with `from_pretrained` from a local directory (no hub is contacted).
"""

import argparse
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

ARCHS = ("detr", "deformable-detr", "conditional-detr")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def tiny_resnet():
    from transformers import ResNetConfig

    # The library's own ResNet (no timm, no download): four basic stages, stride 32 at the last.
    return ResNetConfig(embedding_size=16, hidden_sizes=[16, 32, 48, 64], depths=[1, 1, 1, 1],
                        layer_type="basic", out_features=["stage3", "stage4"])


def small_model(arch, num_labels):
    """A small randomly initialised detector of the given architecture (fixtures, smoke tests)."""
    import transformers as t

    common = dict(use_timm_backbone=False, backbone_config=tiny_resnet(), use_pretrained_backbone=False,
                  d_model=32, encoder_layers=1, decoder_layers=3, encoder_ffn_dim=64, decoder_ffn_dim=64,
                  encoder_attention_heads=2, decoder_attention_heads=2, num_queries=12, num_labels=num_labels)
    if arch == "detr":
        cfg = t.DetrConfig(**common)
        cfg.backbone_config.out_features = ["stage4"]
        return t.DetrForObjectDetection(cfg)
    if arch == "conditional-detr":
        cfg = t.ConditionalDetrConfig(**common)
        cfg.backbone_config.out_features = ["stage4"]
        return t.ConditionalDetrForObjectDetection(cfg)
    if arch == "deformable-detr":
        # Two backbone levels (stride 16, 32) and one extra stride-64 level made by the input projection.
        cfg = t.DeformableDetrConfig(**common, num_feature_levels=3, encoder_n_points=2, decoder_n_points=2)
        return t.DeformableDetrForObjectDetection(cfg)
    raise ValueError(f"unknown architecture {arch}; one of {ARCHS}")


def load_model(arch, weights):
    import transformers as t

    cls = {"detr": t.DetrForObjectDetection, "conditional-detr": t.ConditionalDetrForObjectDetection,
           "deformable-detr": t.DeformableDetrForObjectDetection}[arch]
    return cls.from_pretrained(weights, local_files_only=True)


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def softmax_to_sigmoid_logits(z):
    """DETR's (C+1)-way softmax logits (last = no object) to per-class sigmoid logits.

    For class c the contract's logit is z_c - logsumexp_{j != c} z_j, so sigmoid(logit) equals the
    softmax probability p_c exactly: the student distils the teacher's per-class probabilities and the
    no-object mass becomes the complement of each. Computed with a mask, not log(1 - p), to stay exact
    where p is near 1.
    """
    c = z.shape[-1] - 1
    block = torch.full((c, c + 1), 0.0, dtype=z.dtype)
    block[torch.arange(c), torch.arange(c)] = -1e9
    others = torch.logsumexp(z.unsqueeze(-2) + block, dim=-1)  # (B, N, C)
    return z[..., :c] - others


class TeacherContract(nn.Module):
    """Wraps a transformers DETR-family detector so that it returns the producer's output tuple."""

    def __init__(self, model, arch):
        super().__init__()
        self.model = model.eval()
        self.arch = arch
        self._maps = []
        base = model.model
        projections = list(base.input_proj) if arch == "deformable-detr" else [base.input_projection]
        for p in projections:
            p.register_forward_hook(lambda _m, _i, out: self._maps.append(out))

    def forward(self, pixels):
        self._maps = []
        mask = torch.ones_like(pixels[:, 0], dtype=torch.long)
        if self.arch == "deformable-detr":
            logits, boxes, emb = self._deformable(pixels, mask)
        else:
            logits, boxes, emb = self._detr_like(pixels, mask)
        prior = self.model.model.query_position_embeddings.weight
        return tuple(logits) + tuple(boxes) + tuple(emb) + tuple(self._maps) + (prior,)

    def _stage_states(self, out, decoder):
        """Per-stage decoder embeddings as the model's own heads see them (decoder layernorm applied)."""
        if self.model.config.auxiliary_loss:
            states = list(out.intermediate_hidden_states.unbind(0))
        else:
            states = [decoder.layernorm(h) for h in out.decoder_hidden_states[1:]]
        states[-1] = out.last_hidden_state  # the last stage is exactly the model's own output
        return states

    def _detr_like(self, pixels, mask):
        m = self.model
        out = m.model(pixel_values=pixels, pixel_mask=mask, output_hidden_states=True)
        states = self._stage_states(out, m.model.decoder)
        logits, boxes = [], []
        if self.arch == "detr":
            for h in states:
                logits.append(softmax_to_sigmoid_logits(m.class_labels_classifier(h)))
                boxes.append(m.bbox_predictor(h).sigmoid())
        else:  # conditional DETR: sigmoid focal classifier, boxes relative to the query's reference point
            ref = inverse_sigmoid(out.reference_points).transpose(0, 1)
            for h in states:
                logits.append(m.class_labels_classifier(h))
                t = m.bbox_predictor(h)
                t = torch.cat([t[..., :2] + ref, t[..., 2:]], dim=-1)
                boxes.append(t.sigmoid())
        return logits, boxes, states

    def _deformable(self, pixels, mask):
        m = self.model
        out = m.model(pixel_values=pixels, pixel_mask=mask)
        hidden = out.intermediate_hidden_states
        logits, boxes, emb = [], [], []
        for level in range(hidden.shape[1]):
            ref = out.init_reference_points if level == 0 else out.intermediate_reference_points[:, level - 1]
            ref = inverse_sigmoid(ref)
            h = hidden[:, level]
            delta = m.bbox_embed[level](h)
            if ref.shape[-1] == 4:
                coord = delta + ref
            else:
                coord = torch.cat([delta[..., :2] + ref, delta[..., 2:]], dim=-1)
            logits.append(m.class_embed[level](h))
            boxes.append(coord.sigmoid())
            emb.append(h)
        return logits, boxes, emb


def load_image(path, size):
    from PIL import Image

    img = Image.open(path).convert("RGB")
    if img.size != (size, size):
        raise SystemExit(f"{path} is {img.size[0]}x{img.size[1]}; golden images must be {size}x{size} already "
                         "(the producer's resize would otherwise differ from PIL's)")
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1).copy())


def output_names(k, levels):
    return ([f"logits_{i + 1}" for i in range(k)] + [f"boxes_{i + 1}" for i in range(k)]
            + [f"embeddings_{i + 1}" for i in range(k)] + [f"features_{i + 1}" for i in range(levels)] + ["query_prior"])


def export(arch, out, onnx_out, image_size, num_labels, weights, golden, images, seed):
    torch.manual_seed(seed)
    model = load_model(arch, weights) if weights else small_model(arch, num_labels)
    wrapper = TeacherContract(model, arch).eval()
    example = torch.randn(2, 3, image_size, image_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        eager = wrapper(example)
        traced = torch.jit.trace(wrapper, example, strict=False, check_trace=False)
    torch.jit.save(traced, str(out))
    k = model.config.decoder_layers
    levels = len(eager) - 3 * k - 1
    print(f"{arch}: {sum(p.numel() for p in model.parameters())} parameters, {k} stages, {levels} feature levels, "
          f"{eager[0].shape[1]} queries -> {out} ({Path(out).stat().st_size / 1e6:.2f} MB)")
    check_batch_sizes(torch.jit.load(str(out)), wrapper, image_size)
    if onnx_out:
        names = output_names(k, levels)
        dyn = {"pixels": {0: "batch"}}
        dyn.update({n: {0: "batch"} for n in names[:-1]})
        torch.onnx.export(wrapper, (example,), str(onnx_out), input_names=["pixels"], output_names=names,
                          dynamic_axes=dyn, opset_version=17, dynamo=False)
        print(f"  onnx -> {onnx_out} ({Path(onnx_out).stat().st_size / 1e6:.2f} MB)")
        check_onnx(onnx_out, wrapper, image_size)
    if golden:
        batch = torch.stack([load_image(p, image_size) for p in images])
        with torch.no_grad():
            outs = wrapper(batch)
        arrays = {"pixels": batch.numpy()}
        arrays.update({n: t.detach().numpy() for n, t in zip(output_names(k, levels), outs)})
        np.savez(golden, **arrays)
        print(f"  golden outputs of {len(images)} images -> {golden}")


def check_batch_sizes(traced, wrapper, size):
    """A trace can freeze shapes; prove the file answers like the eager model for other batch sizes."""
    for b in (1, 3):
        x = torch.randn(b, 3, size, size, generator=torch.Generator().manual_seed(b))
        with torch.no_grad():
            a, e = traced(x), wrapper(x)
        worst = max(float((u - v).abs().max().detach()) for u, v in zip(a, e))
        if not math.isfinite(worst) or worst > 1e-4:
            raise SystemExit(f"traced model differs from eager at batch {b}: max abs diff {worst}")


def check_onnx(path, wrapper, size):
    """ONNX Runtime on the written file answers like the eager model (batch 1 and 3)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for b in (1, 3):
        x = torch.randn(b, 3, size, size, generator=torch.Generator().manual_seed(10 + b))
        with torch.no_grad():
            expected = wrapper(x)
        got = session.run(None, {"pixels": x.numpy()})
        worst = max(float(np.abs(g - e.detach().numpy()).max()) for g, e in zip(got, expected))
        if not math.isfinite(worst) or worst > 1e-4:
            raise SystemExit(f"ONNX Runtime differs from eager at batch {b}: max abs diff {worst}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=ARCHS, required=True)
    p.add_argument("--out", required=True, help="TorchScript file to write (.pt)")
    p.add_argument("--onnx", help="also write this ONNX file")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--num-labels", type=int, default=3, help="classes of a randomly initialised model")
    p.add_argument("--weights", help="a local from_pretrained directory; random small model when absent")
    p.add_argument("--golden", help="write PyTorch's outputs on --images to this .npz")
    p.add_argument("--images", nargs="*", default=[])
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    export(a.arch, a.out, a.onnx, a.image_size, a.num_labels, a.weights, a.golden, a.images, a.seed)


if __name__ == "__main__":
    main()
