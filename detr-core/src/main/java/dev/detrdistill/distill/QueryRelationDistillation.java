package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.matching.Assignment;
import java.util.List;

/**
 * The query-relation term (paper v1, GID-style): for the matched queries of each image, the pairwise
 * Euclidean distances between decoder embeddings, each matrix divided by its mean off-diagonal
 * distance, transferred from teacher to student with an L1 loss. Widths may differ: only distances are
 * compared. Averaged over images, summed over student stages.
 */
public final class QueryRelationDistillation extends PerStageTerm {
    public QueryRelationDistillation(float weight) {
        super(weight);
    }

    @Override
    public String name() {
        return "distill_rel";
    }

    @Override
    NDArray stageLoss(DistillationContext ctx, int k, int t) {
        List<Assignment> matches = ctx.matches(k);
        NDArray es = ctx.student().queries().embeddings().get(k);
        NDArray et = ctx.teacher().embeddings().get(t);
        NDArray total = null;
        for (int i = 0; i < matches.size(); i++) {
            Assignment a = matches.get(i);
            if (a.size() < 2) {
                continue; // one query has no relations
            }
            NDArray ds = normalisedDistances(MatchedPairs.gatherImage(es, i, a, 0));
            NDArray dt =
                    normalisedDistances(MatchedPairs.gatherImage(et, i, a, 1).stopGradient());
            NDArray l = Scalars.div(ds.sub(dt).abs().mean(), matches.size());
            total = total == null ? l : total.add(l);
        }
        return total;
    }

    /** {@code (P, d)} embeddings to their {@code (P, P)} distance matrix over its mean off-diagonal entry. */
    static NDArray normalisedDistances(NDArray e) {
        long p = e.getShape().get(0);
        NDArray sq = e.square().sum(new int[] {1}, true); // (P,1)
        NDArray d2 = sq.add(sq.transpose()).sub(Scalars.mul(e.matMul(e.transpose()), 2f));
        // Clamping below keeps sqrt's gradient finite on the zero diagonal (it is 0 where clamped).
        NDArray d = Scalars.maximum(d2, 1e-8f).sqrt();
        NDArray offDiagonalMean = Scalars.div(d.sum(), (float) (p * (p - 1)));
        return d.div(Scalars.add(offDiagonalMean, 1e-8f));
    }
}
