"""Reference values for the DETRDistill losses and the DETR criterion, computed in PyTorch with the
formulas of the DETRDistill reference implementation (mmdetection 2.x: the distillation head's
sum-then-divide reductions, the distillation Hungarian assigner, the MoCo-style contrastive head, the
distiller's feature mask) and of Deformable DETR's matcher and set criterion.

The Java tests (detr-core, ReferenceValuesTest) read the JSON this writes and must agree within 1e-4
relative. Python is needed only to regenerate the fixture:

    python3 -m venv /tmp/ref-venv && /tmp/ref-venv/bin/pip install -r tools/reference/requirements.txt
    /tmp/ref-venv/bin/python tools/reference/distill_reference.py \
        > detr-core/src/test/resources/reference/distill-reference.json

Inputs are drawn from a fixed seed and rounded to float32, so the fixture is reproducible.
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

torch.manual_seed(7)
DT = torch.float64

B, NS, NT, C = 2, 6, 12, 3
DS, DTW = 6, 8          # student and teacher decoder widths (the contrastive heads bridge them)
HEAD = 16               # contrastive head width (512 in the reference; the formula does not depend on it)
TEMPERATURE = 0.07
LEVELS = [(4, 4), (2, 2)]  # two feature levels entering the encoder
FD_WIDTH = 8            # feature width of both models (FD adapter is the identity)


def f32(t):
    return t.float().double()


def rand_boxes(n, lo=0.1, hi=0.9):
    cxcy = torch.rand(n, 2) * (hi - lo) + lo
    wh = torch.rand(n, 2) * 0.4 + 0.05
    return f32(torch.cat([cxcy, wh], 1))


def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def xyxy_to_cxcywh(b):
    x0, y0, x1, y1 = b.unbind(-1)
    return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1)


def box_area(b):
    return (b[..., 2] - b[..., 0]).clamp(min=0) * (b[..., 3] - b[..., 1]).clamp(min=0)


def pairwise_iou(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / union, union


def pairwise_giou(a, b):
    iou, union = pairwise_iou(a, b)
    lt = torch.min(a[:, None, :2], b[None, :, :2])
    rb = torch.max(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    hull = wh[..., 0] * wh[..., 1]
    return iou - (hull - union) / hull


def elementwise_giou(a, b):
    return torch.diagonal(pairwise_giou(a, b))


def t(x):
    return x.tolist()


# ---------------------------------------------------------------- inputs
student_logits = f32(torch.randn(B, NS, C) * 2)
student_boxes = torch.stack([rand_boxes(NS) for _ in range(B)])
teacher_logits = f32(torch.randn(B, NT, C) * 2)
teacher_boxes = torch.stack([rand_boxes(NT) for _ in range(B)])
# Two teacher boxes reach past the image so the clipping matters.
teacher_boxes[0, 0] = torch.tensor([0.95, 0.5, 0.3, 0.2], dtype=DT)
teacher_boxes[1, 3] = torch.tensor([0.1, 0.05, 0.4, 0.3], dtype=DT)
student_emb = f32(torch.randn(B, NS, DS))
teacher_emb = f32(torch.randn(B, NT, DTW))
gt = [
    {"boxes": rand_boxes(3), "labels": torch.tensor([0, 2, 1])},
    {"boxes": rand_boxes(0).reshape(0, 4), "labels": torch.tensor([], dtype=torch.long)},
]

# ---------------------------------------------------------------- LD: distillation assigner + head losses
teacher_clipped = xyxy_to_cxcywh(cxcywh_to_xyxy(teacher_boxes).clamp(0, 1))
ld_costs, ld_rows, ld_cols = [], [], []
for i in range(B):
    z = student_logits[i]
    p = teacher_logits[i].sigmoid()  # the teacher's "labels" are its sigmoid scores
    pos = F.binary_cross_entropy_with_logits(z, torch.ones_like(z), reduction="none")
    neg = F.binary_cross_entropy_with_logits(z, torch.zeros_like(z), reduction="none")
    cls_cost = torch.einsum("nc,mc->nm", pos, p) + torch.einsum("nc,mc->nm", neg, 1 - p)
    reg_cost = torch.cdist(student_boxes[i], teacher_clipped[i], p=1)
    iou_cost = -pairwise_giou(cxcywh_to_xyxy(student_boxes[i]), cxcywh_to_xyxy(teacher_clipped[i]))
    cost = 1.0 * cls_cost + 5.0 * reg_cost + 2.0 * iou_cost
    r, c = linear_sum_assignment(cost.numpy())
    ld_costs.append(t(cost))
    ld_rows.append(r.tolist())
    ld_cols.append(c.tolist())
M = sum(len(r) for r in ld_rows)
zs = torch.cat([student_logits[i][ld_rows[i]] for i in range(B)])
zt = torch.cat([teacher_logits[i][ld_cols[i]] for i in range(B)])
bs = torch.cat([student_boxes[i][ld_rows[i]] for i in range(B)])
bt = torch.cat([teacher_clipped[i][ld_cols[i]] for i in range(B)])
ld_cls = F.binary_cross_entropy_with_logits(zs, zt.sigmoid(), reduction="sum") / M
ld_l1 = (bs - bt).abs().sum() / M
ld_giou = (1 - elementwise_giou(cxcywh_to_xyxy(bs), cxcywh_to_xyxy(bt))).sum() / M
ld_value = 1.0 * ld_cls + 5.0 * ld_l1 + 2.0 * ld_giou

# ---------------------------------------------------------------- cl: MoCo-style head on the LD pairs
def head_params(d_in):
    return {
        "input.weight": f32(torch.randn(HEAD, d_in) * 0.3), "input.bias": f32(torch.randn(HEAD) * 0.1),
        "hidden.weight": f32(torch.randn(HEAD, HEAD) * 0.3), "hidden.bias": f32(torch.randn(HEAD) * 0.1),
        "norm.gamma": f32(1 + 0.2 * torch.randn(HEAD)), "norm.beta": f32(0.1 * torch.randn(HEAD)),
        "output.weight": f32(torch.randn(HEAD, HEAD) * 0.3), "output.bias": f32(torch.randn(HEAD) * 0.1),
    }


def head(x, w):
    x = F.linear(x, w["input.weight"], w["input.bias"])
    x = F.linear(x, w["hidden.weight"], w["hidden.bias"])
    x = F.batch_norm(x, None, None, w["norm.gamma"], w["norm.beta"], training=True, eps=1e-5)
    x = F.linear(F.relu(x), w["output.weight"], w["output.bias"])
    return F.normalize(x, dim=1)


student_head, teacher_head = head_params(DS), head_params(DTW)
es = torch.cat([student_emb[i][ld_rows[i]] for i in range(B)])
et = torch.cat([teacher_emb[i][ld_cols[i]] for i in range(B)])
logits = torch.einsum("nc,ck->nk", head(et, teacher_head), head(es, student_head).T) / TEMPERATURE
cl_value = F.cross_entropy(logits, torch.arange(logits.shape[0]))  # weight 0.2 is applied by the term

# ---------------------------------------------------------------- FD: the distiller's mask and loss
top_k = max(1, min(round(100 * NT / 300), NT * C))
feat_t = [f32(torch.randn(B, FD_WIDTH, h, w)) for h, w in LEVELS]
feat_s = [f32(torch.randn(B, FD_WIDTH, h, w)) for h, w in LEVELS]
scores, queries = [], []
for i in range(B):
    prob = teacher_logits[i].sigmoid()
    s, idx = prob.flatten().topk(top_k, sorted=True)
    q = idx // C
    if len(gt[i]["boxes"]) == 0:
        quality = s
    else:
        iou, _ = pairwise_iou(cxcywh_to_xyxy(teacher_boxes[i][q]), cxcywh_to_xyxy(gt[i]["boxes"]))
        quality = s * iou.max(dim=-1)[0]
    scores.append(quality)
    queries.append(teacher_emb[i][q])
stage_score = torch.stack(scores)
c_querys = F.normalize(torch.stack(queries), dim=-1)
fd_masks, fd_value = [], 0
for ft, fs in zip(feat_t, feat_s):
    c_feats = F.normalize(ft, dim=1)
    mat = torch.einsum("bnc,bchw->bnhw", c_querys, c_feats)
    mask = torch.einsum("bnhw,bn->bhw", mat, stage_score).clamp(min=1e-2)
    mask = mask / mask.flatten(1, 2).max(dim=-1)[0][:, None, None]
    fd_masks.append(t(mask))
    fd_value = fd_value + F.mse_loss(mask[:, None] * ft, mask[:, None] * fs, reduction="mean")

# ---------------------------------------------------------------- Deformable DETR matcher and set criterion
def detr_match(logits, boxes, target):
    if len(target["labels"]) == 0:
        return [[]], [], []
    p = logits.sigmoid()[:, target["labels"]]
    alpha, gamma = 0.25, 2.0
    neg = (1 - alpha) * p ** gamma * -(1 - p + 1e-8).log()
    pos = alpha * (1 - p) ** gamma * -(p + 1e-8).log()
    cost = 2.0 * (pos - neg) + 5.0 * torch.cdist(boxes, target["boxes"], p=1) \
        - 2.0 * pairwise_giou(cxcywh_to_xyxy(boxes), cxcywh_to_xyxy(target["boxes"]))
    r, c = linear_sum_assignment(cost.numpy())
    return t(cost), r.tolist(), c.tolist()


def sigmoid_focal(logits, targets, alpha=0.25, gamma=2.0):
    p = logits.sigmoid()
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    return (alpha * targets + (1 - alpha) * (1 - targets)) * loss


def set_loss(logits, boxes, rows, cols):
    num_boxes = max(1.0, float(sum(len(g["labels"]) for g in gt)))
    onehot = torch.zeros_like(logits)
    pred, tgt = [], []
    for i in range(B):
        for r, c in zip(rows[i], cols[i]):
            onehot[i, r, gt[i]["labels"][c]] = 1
            pred.append(boxes[i, r])
            tgt.append(gt[i]["boxes"][c])
    focal = sigmoid_focal(logits, onehot).sum() / num_boxes
    pred, tgt = torch.stack(pred), torch.stack(tgt)
    l1 = (pred - tgt).abs().sum() / num_boxes
    giou = (1 - elementwise_giou(cxcywh_to_xyxy(pred), cxcywh_to_xyxy(tgt))).sum() / num_boxes
    return {"focal": float(2 * focal), "l1": float(5 * l1), "giou": float(2 * giou),
            "loss": float(2 * focal + 5 * l1 + 2 * giou)}


detr = [detr_match(student_logits[i], student_boxes[i], gt[i]) for i in range(B)]
detr_rows = [d[1] for d in detr]
detr_cols = [d[2] for d in detr]
detr_loss = set_loss(student_logits, student_boxes, detr_rows, detr_cols)

# ---------------------------------------------------------------- AD: the teacher's query group through the student
teacher_assign = [detr_match(teacher_logits[i], teacher_boxes[i], gt[i]) for i in range(B)]
group_logits = f32(torch.randn(B, NT, C) * 2)
group_boxes = torch.stack([rand_boxes(NT) for _ in range(B)])
ad_loss = set_loss(group_logits, group_boxes, [a[1] for a in teacher_assign], [a[2] for a in teacher_assign])

out = {
    "about": "Generated by tools/reference/distill_reference.py; see its docstring to regenerate.",
    "sizes": {"batch": B, "studentQueries": NS, "teacherQueries": NT, "classes": C, "studentWidth": DS,
              "teacherWidth": DTW, "headWidth": HEAD, "featureWidth": FD_WIDTH, "levels": LEVELS},
    "inputs": {
        "studentLogits": t(student_logits), "studentBoxes": t(student_boxes),
        "teacherLogits": t(teacher_logits), "teacherBoxes": t(teacher_boxes),
        "studentEmbeddings": t(student_emb), "teacherEmbeddings": t(teacher_emb),
        "groundTruth": [{"boxes": t(g["boxes"]), "labels": g["labels"].tolist()} for g in gt],
    },
    "ld": {"cost": ld_costs, "rows": ld_rows, "cols": ld_cols, "pairs": M, "cls": float(ld_cls), "l1": float(ld_l1),
           "giou": float(ld_giou), "value": float(ld_value)},
    "cl": {"studentHead": {k: t(v) for k, v in student_head.items()},
           "teacherHead": {k: t(v) for k, v in teacher_head.items()}, "temperature": TEMPERATURE, "value": float(cl_value)},
    "fd": {"topK": top_k, "teacherFeatures": [t(f) for f in feat_t], "studentFeatures": [t(f) for f in feat_s],
           "masks": fd_masks, "value": float(fd_value)},
    "detr": {"cost": [d[0] for d in detr], "rows": detr_rows, "cols": detr_cols, **detr_loss},
    "ad": {"teacherRows": [a[1] for a in teacher_assign], "teacherCols": [a[2] for a in teacher_assign],
           "groupLogits": t(group_logits), "groupBoxes": t(group_boxes), **ad_loss},
}
json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
sys.stdout.write("\n")
