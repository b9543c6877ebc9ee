#!/usr/bin/env python3
"""Where one class's detections and misses go, against a VOC split (standard library only).

Reads the detections that `./distill eval --write-detections <file>` writes (COCO results, image ids 1..n in the
order of the split's ImageSets/Main/<split>.txt, category ids 1..k in the checkpoint's class order) and sorts:

- each ground-truth box of the class by its best IoU with a detection of that class (found at 0.5 or not);
- each detection of the class scoring at least --min-score as: on a labelled box of the class (IoU >= 0.5), near
  one (0.1-0.5: a localisation error), on a box of another class (IoU > 0.3), or on nothing labelled.

With --montage <png> (needs Pillow) it also draws the highest-scoring detections on nothing labelled, each in a
120 px crop, so that one can see whether they are mistakes or objects the annotators left out.

Example (BCCD's platelets, the test split, category 1):
  ./distill eval --model runs/bench/bccd-teacher-s8-320/checkpoint --data ../shared/datasets/bccd/BCCD \
      --split test --write-detections /tmp/test-detections.json
  python3 tools/error-analysis/class_errors.py --voc ../shared/datasets/bccd/BCCD --split test \
      --detections /tmp/test-detections.json --class-name Platelets --category 1
"""
import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path


def iou(a, b):
    """IoU of two [x, y, w, h] boxes."""
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def read_boxes(xml_file):
    out = []
    for obj in ET.parse(xml_file).getroot().iter("object"):
        bb = obj.find("bndbox")
        x1, y1, x2, y2 = (float(bb.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax"))
        out.append((obj.find("name").text.strip(), [x1, y1, x2 - x1, y2 - y1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--voc", required=True, type=Path)
    ap.add_argument("--split", default="test")
    ap.add_argument("--detections", required=True, type=Path)
    ap.add_argument("--class-name", required=True)
    ap.add_argument("--category", required=True, type=int, help="the class's category id in the detections")
    ap.add_argument("--min-score", type=float, default=0.25)
    ap.add_argument("--montage", type=Path)
    args = ap.parse_args()

    names = [l.strip() for l in (args.voc / "ImageSets/Main" / f"{args.split}.txt").read_text().splitlines()
             if l.strip()]
    truth = {i: read_boxes(args.voc / "Annotations" / f"{n}.xml") for i, n in enumerate(names, 1)}
    dets = [d for d in json.loads(args.detections.read_text()) if d["category_id"] == args.category]

    found = 0
    total = 0
    for image, boxes in truth.items():
        mine = [d["bbox"] for d in dets if d["image_id"] == image]
        for name, box in boxes:
            if name != args.class_name:
                continue
            total += 1
            if max((iou(box, d) for d in mine), default=0.0) >= 0.5:
                found += 1
    print(f"{args.class_name}: {total} labelled boxes, {found} with a detection of the class at IoU >= 0.5 "
          f"(any score)")

    kinds = {"on a labelled box": 0, "near a labelled box (IoU 0.1-0.5)": 0, "on another class": 0,
             "on nothing labelled": 0}
    unlabelled = []
    for d in sorted(dets, key=lambda d: -d["score"]):
        if d["score"] < args.min_score:
            break
        boxes = truth.get(d["image_id"], [])
        same = max((iou(d["bbox"], b) for n, b in boxes if n == args.class_name), default=0.0)
        other = max((iou(d["bbox"], b) for n, b in boxes if n != args.class_name), default=0.0)
        if same >= 0.5:
            kinds["on a labelled box"] += 1
        elif same > 0.1:
            kinds["near a labelled box (IoU 0.1-0.5)"] += 1
        elif other > 0.3:
            kinds["on another class"] += 1
        else:
            kinds["on nothing labelled"] += 1
            unlabelled.append(d)
    print(f"detections of the class scoring >= {args.min_score}: {sum(kinds.values())}")
    for k, v in kinds.items():
        print(f"  {k}: {v}")
    for d in unlabelled[:10]:
        print(f"  on nothing labelled: {names[d['image_id'] - 1]} {[round(v) for v in d['bbox']]} "
              f"score {d['score']:.2f}")

    if args.montage:
        from PIL import Image, ImageDraw  # only for the montage

        picks = unlabelled[:8]
        sheet = Image.new("RGB", (4 * 160, 2 * 160), "white")
        for i, d in enumerate(picks):
            x, y, w, h = d["bbox"]
            cx, cy = x + w / 2, y + h / 2
            img = Image.open(args.voc / "JPEGImages" / f"{names[d['image_id'] - 1]}.jpg").convert("RGB")
            crop = img.crop((int(cx - 60), int(cy - 60), int(cx + 60), int(cy + 60)))
            ox, oy = x - int(cx - 60), y - int(cy - 60)
            ImageDraw.Draw(crop).rectangle([ox, oy, ox + w, oy + h], outline="lime")
            sheet.paste(crop.resize((160, 160)), ((i % 4) * 160, (i // 4) * 160))
        sheet.save(args.montage)
        print(f"wrote {args.montage}")


if __name__ == "__main__":
    main()
