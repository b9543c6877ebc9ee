package dev.detrdistill.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A multilayer perceptron over the last axis: {@code in -> hidden (ReLU) ... -> out}. Used as the
 * transformer FFN and as DETR's 3-layer box head.
 */
public final class FeedForward extends AbstractBlock {
    private final int inDim;
    private final Linear[] layers;
    private final int[] widths;

    /** Layers of widths {@code hidden..., out}; ReLU between them, none after the last. */
    public FeedForward(int inDim, int... widths) {
        this.inDim = inDim;
        this.widths = widths.clone();
        layers = new Linear[widths.length];
        for (int i = 0; i < widths.length; i++) {
            layers[i] =
                    addChildBlock("fc" + i, Linear.builder().setUnits(widths[i]).build());
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        for (int i = 0; i < layers.length; i++) {
            x = layers[i].forward(ps, x, training);
            if (i < layers.length - 1) {
                x = new NDList(Activation.relu(x.singletonOrThrow()));
            }
        }
        return x;
    }

    public Linear lastLayer() {
        return layers[layers.length - 1];
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(widths[widths.length - 1])};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int in = inDim;
        for (int i = 0; i < layers.length; i++) {
            layers[i].initialize(manager, dataType, new Shape(1, in));
            in = widths[i];
        }
    }
}
