package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.detrdistill.box.Scalars;

/**
 * One side's projection head of the contrastive term: {@code Linear(d -> 512)}, then
 * {@code Linear(512, 512) - BatchNorm - ReLU - Linear(512, 512)}, then L2 normalisation per row. The
 * reference gives the student and the teacher a head each; both train with the student.
 * BatchNorm uses the batch's statistics in training (the heads are never used outside training).
 */
public final class ContrastiveHead extends AbstractBlock {
    public static final int WIDTH = 512;

    private final int inputWidth;
    private final int width;
    private final Linear input;
    private final Linear hidden;
    private final BatchNorm norm;
    private final Linear output;

    /** @param width the projection width ({@link #WIDTH} in the reference; smaller only in tests) */
    public ContrastiveHead(int inputWidth, int width) {
        this.inputWidth = inputWidth;
        this.width = width;
        input = addChildBlock("input", Linear.builder().setUnits(width).build());
        hidden = addChildBlock("hidden", Linear.builder().setUnits(width).build());
        norm = addChildBlock(
                "norm",
                BatchNorm.builder()
                        .optAxis(1)
                        .optEpsilon(1e-5f)
                        .optMomentum(0.9f)
                        .build());
        output = addChildBlock("output", Linear.builder().setUnits(width).build());
    }

    /** Embeddings {@code (P, d)} to unit-length projections {@code (P, width)}. */
    public NDArray project(ParameterStore ps, NDArray embeddings, boolean training) {
        NDArray x = input.forward(ps, new NDList(embeddings), training).singletonOrThrow();
        x = hidden.forward(ps, new NDList(x), training).singletonOrThrow();
        x = norm.forward(ps, new NDList(x), training).singletonOrThrow();
        x = output.forward(ps, new NDList(Activation.relu(x)), training).singletonOrThrow();
        // torch.nn.functional.normalize: x / max(||x||, 1e-12)
        return x.div(Scalars.maximum(x.norm(new int[] {1}, true), 1e-12f));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(project(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), width)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        input.initialize(manager, dataType, new Shape(2, inputWidth));
        Shape wide = new Shape(2, width);
        hidden.initialize(manager, dataType, wide);
        norm.initialize(manager, dataType, wide);
        output.initialize(manager, dataType, wide);
    }
}
