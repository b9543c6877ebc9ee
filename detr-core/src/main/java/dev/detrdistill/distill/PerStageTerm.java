package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.box.Scalars;

/**
 * A term computed for every student stage against the teacher stage it is mapped to, summed over
 * stages with equal weight, times the term's weight. Subclasses give one stage's loss.
 */
abstract class PerStageTerm implements DistillationTerm {
    private final float weight;

    PerStageTerm(float weight) {
        this.weight = weight;
    }

    @Override
    public final float weight() {
        return weight;
    }

    /**
     * The unweighted loss of student stage {@code k} against teacher stage {@code t}, or null when there is nothing to
     * compare.
     */
    abstract NDArray stageLoss(DistillationContext ctx, int k, int t);

    @Override
    public final NDArray compute(DistillationContext ctx) {
        NDArray total = null;
        for (int k = 0; k < ctx.mapping().studentStages(); k++) {
            NDArray l = stageLoss(ctx, k, ctx.mapping().teacherStage(k));
            if (l != null) {
                total = total == null ? l : total.add(l);
            }
        }
        if (total == null) {
            // Nothing to compare at any stage: a zero that keeps the student in the graph.
            return Scalars.mul(ctx.student().queries().embeddings().get(0).sum(), 0f);
        }
        return Scalars.mul(total, weight);
    }
}
