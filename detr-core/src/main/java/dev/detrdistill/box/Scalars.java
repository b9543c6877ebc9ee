package dev.detrdistill.box;

import ai.djl.ndarray.NDArray;

/**
 * Scalar constants as NDArrays owned by the operand's manager.
 *
 * <p>Why: DJL 0.36's {@code NDArray.mul(Number)} (and add/sub/div/pow/maximum) wraps the Java number
 * in a tensor over a buffer that can be freed before {@code backward()}, so gradients read freed
 * memory. A scalar NDArray owned by the operand's manager lives until that
 * manager closes, which is after backward.
 */
public final class Scalars {
    private Scalars() {}

    /** A 0-d float32 array holding {@code value}, on the same manager and device as {@code like}. */
    public static NDArray of(NDArray like, float value) {
        NDArray s = like.getManager().create(value);
        return like.getDevice().equals(s.getDevice()) ? s : s.toDevice(like.getDevice(), false);
    }

    public static NDArray mul(NDArray x, float v) {
        return x.mul(of(x, v));
    }

    public static NDArray add(NDArray x, float v) {
        return x.add(of(x, v));
    }

    public static NDArray sub(NDArray x, float v) {
        return x.sub(of(x, v));
    }

    /** {@code v - x}. */
    public static NDArray rsub(float v, NDArray x) {
        return of(x, v).sub(x);
    }

    public static NDArray div(NDArray x, float v) {
        return x.div(of(x, v));
    }

    public static NDArray pow(NDArray x, float v) {
        return x.pow(of(x, v));
    }

    public static NDArray maximum(NDArray x, float v) {
        return x.maximum(of(x, v));
    }

    public static NDArray minimum(NDArray x, float v) {
        return x.minimum(of(x, v));
    }

    public static NDArray clip(NDArray x, float lo, float hi) {
        return minimum(maximum(x, lo), hi);
    }

    /** {@code log(x / (1 - x))} with x clamped away from 0 and 1. */
    public static NDArray inverseSigmoid(NDArray x) {
        NDArray c = clip(x, 1e-5f, 1f - 1e-5f);
        return c.div(rsub(1f, c)).log();
    }
}
