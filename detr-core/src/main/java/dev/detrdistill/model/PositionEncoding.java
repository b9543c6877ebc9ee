package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.Scalars;

/** Sine positional encodings: DETR's 2-D grid encoding and the DAB-style encoding of anchor boxes. */
public final class PositionEncoding {
    private static final double TEMPERATURE = 10000;

    private PositionEncoding() {}

    /**
     * DETR's normalised sine encoding of an {@code h x w} grid, as tokens {@code (1, h*w, d)}: the first
     * d/2 channels encode y, the rest x, sin and cos interleaved. Constant, no gradient.
     */
    public static NDArray grid(NDManager manager, int h, int w, int d) {
        int half = d / 2;
        float[] out = new float[h * w * d];
        double scale = 2 * Math.PI;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int base = (y * w + x) * d;
                double ye = (y + 1) / (h + 1e-6) * scale;
                double xe = (x + 1) / (w + 1e-6) * scale;
                for (int k = 0; k < half; k++) {
                    double dimT = Math.pow(TEMPERATURE, 2.0 * (k / 2) / half);
                    boolean even = k % 2 == 0;
                    out[base + k] = (float) (even ? Math.sin(ye / dimT) : Math.cos(ye / dimT));
                    out[base + half + k] = (float) (even ? Math.sin(xe / dimT) : Math.cos(xe / dimT));
                }
            }
        }
        return manager.create(out, new Shape(1, (long) h * w, d));
    }

    /**
     * The grid encoding of {@link #grid} evaluated at the continuous centres of boxes {@code (B, N, 4)}
     * (normalised cxcywh): {@code (B, N, d)}, first d/2 channels for y, the rest for x, sin/cos
     * interleaved, so a query at a box centre and the key of the cell there share their encoding.
     * A box centre at cell (i, j) of an h x w grid matches {@code grid}'s (i+1)/h convention up to half a cell.
     */
    public static NDArray points(NDArray boxes, int d) {
        int half = d / 2;
        float[] inv = new float[half];
        for (int k = 0; k < half; k++) {
            inv[k] = (float) (2 * Math.PI / Math.pow(TEMPERATURE, 2.0 * (k / 2) / half));
        }
        float[] evenMask = new float[half];
        for (int k = 0; k < half; k++) {
            evenMask[k] = k % 2 == 0 ? 1f : 0f;
        }
        NDManager m = boxes.getManager();
        NDArray invFreq = m.create(inv, new Shape(1, 1, half));
        NDArray even = m.create(evenMask, new Shape(1, 1, half));
        NDArray odd = Scalars.rsub(1f, even);
        NDArray cx = boxes.get("..., 0:1");
        NDArray cy = boxes.get("..., 1:2");
        NDArray ay = cy.mul(invFreq);
        NDArray ax = cx.mul(invFreq);
        NDArray py = ay.sin().mul(even).add(ay.cos().mul(odd));
        NDArray px = ax.sin().mul(even).add(ax.cos().mul(odd));
        return NDArrays.concat(new NDList(py, px), 2);
    }

    /**
     * Differentiable sine encoding of boxes {@code (B, N, 4)} in [0,1] to {@code (B, N, d)}: each
     * coordinate gets d/4 channels (d/8 frequencies, sin then cos).
     */
    public static NDArray boxes(NDArray boxes, int d) {
        int freqs = d / 8;
        float[] inv = new float[freqs];
        for (int k = 0; k < freqs; k++) {
            inv[k] = (float) (2 * Math.PI / Math.pow(TEMPERATURE, 2.0 * k / (d / 4.0)));
        }
        NDArray invFreq = boxes.getManager().create(inv, new Shape(1, 1, 1, freqs));
        NDArray angles = boxes.expandDims(3).mul(invFreq); // (B,N,4,F)
        NDArray emb = NDArrays.concat(new NDList(angles.sin(), angles.cos()), 3); // (B,N,4,2F)
        Shape s = boxes.getShape();
        return emb.reshape(s.get(0), s.get(1), (long) 8 * freqs);
    }

    /** An additive attention mask value that blocks attention without overflowing softmax. */
    public static float blocked() {
        return -1e9f;
    }
}
