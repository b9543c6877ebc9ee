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
 * The learned glue between a student and its teacher, trained with the student, saved in its checkpoint
 * and unused at inference:
 * <ul>
 *   <li>a 1x1 conv from the student's feature width to the teacher's (absent when they match);</li>
 *   <li>a linear projection of the teacher's query prior to the student's prior width, only when the
 *       widths differ: with equal widths the prior enters the student's decoder as is, as in the
 *       reference;</li>
 *   <li>the contrastive term's two projection heads, when that term is on.</li>
 * </ul>
 */
public final class DistillationAdapters extends AbstractBlock {
    private final int studentWidth;
    private final int teacherWidth;
    private final int teacherPriorWidth;
    private final Conv2d featureAdapter;
    private final Linear priorProjection;
    private final ContrastiveHead studentHead;
    private final ContrastiveHead teacherHead;

    /** Adapters without the contrastive heads. */
    public DistillationAdapters(int studentWidth, int teacherWidth, int studentPriorWidth, int teacherPriorWidth) {
        this(studentWidth, teacherWidth, studentPriorWidth, teacherPriorWidth, 0);
    }

    /**
     * @param studentWidth student feature and decoder width d_S
     * @param teacherWidth teacher feature and decoder width d_T
     * @param contrastiveWidth width of the contrastive heads' projections ({@link ContrastiveHead#WIDTH} = 512
     *     in the reference), 0 for no heads
     */
    public DistillationAdapters(
            int studentWidth, int teacherWidth, int studentPriorWidth, int teacherPriorWidth, int contrastiveWidth) {
        this.studentWidth = studentWidth;
        this.teacherWidth = teacherWidth;
        this.teacherPriorWidth = teacherPriorWidth;
        featureAdapter = studentWidth == teacherWidth
                ? null
                : addChildBlock(
                        "feature_adapter",
                        Conv2d.builder()
                                .setKernelShape(new Shape(1, 1))
                                .setFilters(teacherWidth)
                                .build());
        priorProjection = studentPriorWidth == teacherPriorWidth
                ? null
                : addChildBlock(
                        "prior_projection",
                        Linear.builder().setUnits(studentPriorWidth).build());
        boolean heads = contrastiveWidth > 0;
        studentHead = heads
                ? addChildBlock("contrastive_student", new ContrastiveHead(studentWidth, contrastiveWidth))
                : null;
        teacherHead = heads
                ? addChildBlock("contrastive_teacher", new ContrastiveHead(teacherWidth, contrastiveWidth))
                : null;
    }

    public DistillationAdapters initializeParameters(NDManager manager) {
        setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        initialize(manager, DataType.FLOAT32, new Shape(1, studentWidth, 4, 4));
        return this;
    }

    /** Student features {@code (B, d_S, h, w)} in the teacher's width {@code (B, d_T, h, w)}. */
    public NDArray adaptFeatures(ParameterStore ps, NDArray studentFeatures, boolean training) {
        return featureAdapter == null
                ? studentFeatures
                : featureAdapter
                        .forward(ps, new NDList(studentFeatures), training)
                        .singletonOrThrow();
    }

    /**
     * Teacher prior {@code (N_T, P_T)} in the student's prior width, repeated per image: {@code (B, N_T, P_S)}.
     * A constant (no projection, no gradient) when the widths match.
     */
    public NDArray projectPrior(ParameterStore ps, NDArray teacherPrior, long batch, boolean training) {
        NDArray p = teacherPrior.stopGradient().expandDims(0);
        if (priorProjection != null) {
            p = priorProjection.forward(ps, new NDList(p), training).singletonOrThrow();
        }
        Shape s = p.getShape();
        return p.broadcast(batch, s.get(1), s.get(2));
    }

    public boolean hasPriorProjection() {
        return priorProjection != null;
    }

    /** Student decoder embeddings {@code (P, d_S)} through the student's contrastive head. */
    public NDArray projectStudent(ParameterStore ps, NDArray embeddings) {
        return head(studentHead).project(ps, embeddings, true);
    }

    /** Teacher decoder embeddings {@code (P, d_T)} through the teacher's contrastive head. */
    public NDArray projectTeacher(ParameterStore ps, NDArray embeddings) {
        return head(teacherHead).project(ps, embeddings, true);
    }

    private static ContrastiveHead head(ContrastiveHead h) {
        if (h == null) {
            throw new IllegalStateException("the contrastive term is off: these adapters have no projection heads");
        }
        return h;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
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
        if (priorProjection != null) {
            priorProjection.initialize(manager, dataType, new Shape(1, teacherPriorWidth));
        }
        if (studentHead != null) {
            studentHead.initialize(manager, dataType, new Shape(2, studentWidth));
            teacherHead.initialize(manager, dataType, new Shape(2, teacherWidth));
        }
    }
}
