package dev.detrdistill.model.tfjs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One constant of a TensorFlow.js graph model, dequantised: float values for float tensors, int values for int32
 * ones (exactly one of the two is non-null).
 */
public record TfjsTensor(String name, Shape shape, float[] floats, int[] ints) {
    public boolean isFloat() {
        return floats != null;
    }

    public NDArray create(NDManager manager) {
        return isFloat() ? manager.create(floats, shape) : manager.create(ints, shape);
    }
}
