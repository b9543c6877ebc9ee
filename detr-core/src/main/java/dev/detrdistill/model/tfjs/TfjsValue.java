package dev.detrdistill.model.tfjs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A tensor flowing through the graph. TensorFlow.js graphs are NHWC; libtorch convolves NCHW. Rank-4 activations
 * may therefore be held channels-first, with this flag saying so, and are transposed only where an op needs TF's
 * own layout (reshapes, slices, gathers): a backbone runs conv after conv without transposing in between.
 */
public record TfjsValue(NDArray array, boolean channelsFirst) {
    /** NHWC axis to NCHW axis. */
    private static final int[] TO_CHANNELS_FIRST = {0, 2, 3, 1};

    public static TfjsValue tf(NDArray array) {
        return new TfjsValue(array, false);
    }

    public static TfjsValue channelsFirst(NDArray array) {
        return new TfjsValue(array, true);
    }

    public int rank() {
        return array.getShape().dimension();
    }

    /** Height and width of a rank-4 image tensor, whichever layout it is held in. */
    public Shape spatialShape() {
        Shape s = array.getShape();
        return channelsFirst ? new Shape(s.get(2), s.get(3)) : new Shape(s.get(1), s.get(2));
    }

    /** In TensorFlow's layout. */
    public NDArray nhwc() {
        return channelsFirst ? array.transpose(0, 2, 3, 1) : array;
    }

    /** Channels-first; only for rank-4 tensors. */
    public NDArray nchw() {
        if (channelsFirst) {
            return array;
        }
        if (rank() != 4) {
            throw new TfjsFormatException("a rank-" + rank() + " tensor " + array.getShape() + " cannot be NCHW");
        }
        return array.transpose(0, 3, 1, 2);
    }

    static int channelsFirstAxis(int nhwcAxis) {
        return TO_CHANNELS_FIRST[nhwcAxis];
    }
}
