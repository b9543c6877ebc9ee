package dev.detrdistill.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Differentiable box math on NDArrays, in the style of DETR's {@code util/box_ops.py}.
 *
 * <p>Boxes are {@code (..., 4)}: either {@code (cx, cy, w, h)} or {@code (x0, y0, x1, y1)}, any units.
 */
public final class BoxOps {
    private BoxOps() {}

    private static int lastAxis(NDArray a) {
        return a.getShape().dimension() - 1;
    }

    /** {@code (..., 4)} cxcywh to {@code (..., 4)} xyxy. */
    public static NDArray cxcywhToXyxy(NDArray b) {
        NDList p = b.split(4, lastAxis(b));
        NDArray halfW = Scalars.mul(p.get(2), 0.5f);
        NDArray halfH = Scalars.mul(p.get(3), 0.5f);
        return NDArrays.concat(
                new NDList(
                        p.get(0).sub(halfW),
                        p.get(1).sub(halfH),
                        p.get(0).add(halfW),
                        p.get(1).add(halfH)),
                lastAxis(b));
    }

    /** {@code (..., 4)} xyxy to {@code (..., 4)} cxcywh. */
    public static NDArray xyxyToCxcywh(NDArray b) {
        NDList p = b.split(4, lastAxis(b));
        return NDArrays.concat(
                new NDList(
                        Scalars.mul(p.get(0).add(p.get(2)), 0.5f),
                                Scalars.mul(p.get(1).add(p.get(3)), 0.5f),
                        p.get(2).sub(p.get(0)), p.get(3).sub(p.get(1))),
                lastAxis(b));
    }

    /** Area of {@code (..., 4)} xyxy boxes, shape {@code (...)}. */
    public static NDArray area(NDArray xyxy) {
        NDList p = xyxy.split(4, lastAxis(xyxy));
        return p.get(2).sub(p.get(0)).mul(p.get(3).sub(p.get(1))).squeeze(lastAxis(xyxy));
    }

    /** Pairwise IoU and union of xyxy boxes {@code a (N,4)}, {@code b (M,4)}: both {@code (N,M)}. */
    public static NDList pairwiseIouAndUnion(NDArray a, NDArray b) {
        NDArray areaA = area(a);
        NDArray areaB = area(b);
        NDArray a3 = a.expandDims(1); // (N,1,4)
        NDArray b3 = b.expandDims(0); // (1,M,4)
        NDArray lt = a3.get("..., :2").maximum(b3.get("..., :2"));
        NDArray rb = a3.get("..., 2:").minimum(b3.get("..., 2:"));
        NDArray wh = Scalars.maximum(rb.sub(lt), 0f);
        NDArray inter = wh.get("..., 0").mul(wh.get("..., 1"));
        NDArray union = areaA.expandDims(1).add(areaB.expandDims(0)).sub(inter);
        return new NDList(inter.div(Scalars.maximum(union, 1e-9f)), union);
    }

    /** Pairwise IoU {@code (N,M)}. */
    public static NDArray pairwiseIou(NDArray a, NDArray b) {
        return pairwiseIouAndUnion(a, b).get(0);
    }

    /** Pairwise generalized IoU of xyxy boxes {@code a (N,4)}, {@code b (M,4)}: {@code (N,M)} in [-1,1]. */
    public static NDArray pairwiseGiou(NDArray a, NDArray b) {
        NDList iu = pairwiseIouAndUnion(a, b);
        NDArray a3 = a.expandDims(1);
        NDArray b3 = b.expandDims(0);
        NDArray lt = a3.get("..., :2").minimum(b3.get("..., :2"));
        NDArray rb = a3.get("..., 2:").maximum(b3.get("..., 2:"));
        NDArray wh = Scalars.maximum(rb.sub(lt), 0f);
        NDArray hull = Scalars.maximum(wh.get("..., 0").mul(wh.get("..., 1")), 1e-9f);
        return iu.get(0).sub(hull.sub(iu.get(1)).div(hull));
    }

    /**
     * Normalised cxcywh boxes {@code (..., 4)} clipped to the image: corners clamped to [0, 1], back to
     * cxcywh. The reference clips the teacher's boxes this way before distilling from them.
     */
    public static NDArray clipToImage(NDArray cxcywh) {
        return xyxyToCxcywh(Scalars.clip(cxcywhToXyxy(cxcywh), 0f, 1f));
    }

    /** Elementwise generalized IoU of xyxy boxes {@code a (N,4)} and {@code b (N,4)}: {@code (N)}. */
    public static NDArray elementwiseGiou(NDArray a, NDArray b) {
        NDArray areaA = area(a);
        NDArray areaB = area(b);
        NDArray lt = a.get("..., :2").maximum(b.get("..., :2"));
        NDArray rb = a.get("..., 2:").minimum(b.get("..., 2:"));
        NDArray wh = Scalars.maximum(rb.sub(lt), 0f);
        NDArray inter = wh.get("..., 0").mul(wh.get("..., 1"));
        NDArray union = Scalars.maximum(areaA.add(areaB).sub(inter), 1e-9f);
        NDArray iou = inter.div(union);
        NDArray hlt = a.get("..., :2").minimum(b.get("..., :2"));
        NDArray hrb = a.get("..., 2:").maximum(b.get("..., 2:"));
        NDArray hwh = Scalars.maximum(hrb.sub(hlt), 0f);
        NDArray hull = Scalars.maximum(hwh.get("..., 0").mul(hwh.get("..., 1")), 1e-9f);
        return iou.sub(hull.sub(union).div(hull));
    }
}
