"""COCO-shaped ground truth and detections, evaluated by pycocotools, for the Java COCO evaluation test
(detr-core, CocoReferenceTest): category ids with gaps (1, 3, 7, 90), an `area` field unlike the box area
(COCO's segment areas), crowd regions, images without objects, an image with more than 100 detections.

    /tmp/ref-venv/bin/python tools/reference/coco_reference.py detr-core/src/test/resources/reference/coco

writes instances.json, results.json and pycocotools-stats.json (the 12 summary numbers) there.
"""
import contextlib
import io
import json
import os
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

rng = np.random.default_rng(11)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

categories = [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}, {"id": 7, "name": "train"},
              {"id": 90, "name": "toothbrush"}]
cat_ids = [c["id"] for c in categories]
images, annotations, results = [], [], []
sizes = [(640, 480), (320, 240)]
ann_id = 1
for n, image_id in enumerate([11, 12, 15, 20, 21, 30, 42, 57]):
    w, h = sizes[n % 2]
    images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": w, "height": h})
    if image_id in (21, 42):
        count = 0  # images without objects
    else:
        count = int(rng.integers(2, 9))
    for _ in range(count):
        side = float(rng.choice([12.0, 24.0, 60.0, 90.0, 150.0]) * rng.uniform(0.7, 1.3))
        bw, bh = min(side * rng.uniform(0.6, 1.4), w - 2), min(side * rng.uniform(0.6, 1.4), h - 2)
        x, y = rng.uniform(0, w - bw - 1), rng.uniform(0, h - bh - 1)
        crowd = int(rng.random() < 0.12)
        cat = int(rng.choice(cat_ids))
        # A segment covers part of its box: the area field differs from w*h.
        annotations.append({"id": ann_id, "image_id": image_id, "category_id": cat, "bbox": [x, y, bw, bh],
                            "area": bw * bh * float(rng.uniform(0.45, 0.95)), "iscrowd": crowd})
        ann_id += 1
        for _ in range(int(rng.integers(0, 3))):
            jitter = rng.normal(0, 0.05 * side, 4)
            dw, dh = max(2.0, bw + jitter[2]), max(2.0, bh + jitter[3])
            dcat = cat if rng.random() < 0.85 else int(rng.choice(cat_ids))
            results.append({"image_id": image_id, "category_id": dcat,
                            "bbox": [float(x + jitter[0]), float(y + jitter[1]), float(dw), float(dh)],
                            "score": float(rng.uniform(0.05, 1.0))})
    # False positives; image 57 gets more than 100 detections so maxDets matters.
    for _ in range(130 if image_id == 57 else int(rng.integers(0, 5))):
        bw, bh = rng.uniform(5, w / 3), rng.uniform(5, h / 3)
        results.append({"image_id": image_id, "category_id": int(rng.choice(cat_ids)),
                        "bbox": [float(rng.uniform(0, w - bw)), float(rng.uniform(0, h - bh)), float(bw), float(bh)],
                        "score": float(rng.uniform(0.0, 0.6))})

gt = {"images": images, "annotations": annotations, "categories": categories}
with open(os.path.join(out, "instances.json"), "w") as f:
    json.dump(gt, f)
with open(os.path.join(out, "results.json"), "w") as f:
    json.dump(results, f)
with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO(os.path.join(out, "instances.json"))
    dets = coco.loadRes(os.path.join(out, "results.json"))
    ev = COCOeval(coco, dets, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
with open(os.path.join(out, "pycocotools-stats.json"), "w") as f:
    json.dump({"keys": ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"],
               "stats": [float(s) for s in ev.stats], "annotations": len(annotations), "detections": len(results)}, f, indent=1)
print(json.dumps([round(float(s), 4) for s in ev.stats]))
