package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * The learned glue between a student and a teacher of other widths, trained with the student and
 * discarded after training: a 1x1 conv from the student's feature width to the teacher's (absent when
 * they match), and a linear projection of the teacher's query prior to the student's prior width
 * (initialised to the identity when the widths match).
 */
public final class DistillationAdapters extends AbstractBlock {
    private final int studentWidth;
    private final int teacherWidth;
    private final int teacherPriorWidth;
    private final Conv2d featureAdapter;
    private final Linear priorProjection;

    public DistillationAdapters(int studentWidth, int teacherWidth, int studentPriorWidth, int teacherPriorWidth) {
        this.studentWidth = studentWidth;
        this.teacherWidth = teacherWidth;
        this.teacherPriorWidth = teacherPriorWidth;
        featureAdapter = studentWidth == teacherWidth ? null
                : addChildBlock("feature_adapter", Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(teacherWidth).build());
        priorProjection = addChildBlock("prior_projection", Linear.builder().setUnits(studentPriorWidth).build());
        identityPrior = studentPriorWidth == teacherPriorWidth;
    }

    private final boolean identityPrior;

    public DistillationAdapters initializeParameters(NDManager manager) {
        if (featureAdapter != null) {
            featureAdapter.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        }
        priorProjection.setInitializer(identityPrior
                ? (m, shape, type) -> m.eye((int) shape.get(0), (int) shape.get(1), 0, type)
                : new XavierInitializer(), Parameter.Type.WEIGHT);
        initialize(manager, DataType.FLOAT32, new Shape(1, studentWidth, 4, 4));
        return this;
    }

    /** Student features {@code (B, d_S, h, w)} in the teacher's width {@code (B, d_T, h, w)}. */
    public NDArray adaptFeatures(ParameterStore ps, NDArray studentFeatures, boolean training) {
        return featureAdapter == null ? studentFeatures
                : featureAdapter.forward(ps, new NDList(studentFeatures), training).singletonOrThrow();
    }

    /** Teacher prior {@code (N_T, P_T)} projected to the student's prior width and repeated per image: {@code (B, N_T, P_S)}. */
    public NDArray projectPrior(ParameterStore ps, NDArray teacherPrior, long batch, boolean training) {
        NDArray p = priorProjection.forward(ps, new NDList(teacherPrior.stopGradient().expandDims(0)), training).singletonOrThrow();
        Shape s = p.getShape();
        return p.broadcast(batch, s.get(1), s.get(2));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(adaptFeatures(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), teacherWidth, s.get(2), s.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (featureAdapter != null) {
            featureAdapter.initialize(manager, dataType, new Shape(1, studentWidth, 4, 4));
        }
        priorProjection.initialize(manager, dataType, new Shape(1, teacherPriorWidth));
    }
}
