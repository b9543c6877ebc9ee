package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.detrdistill.box.BoxOps;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.loss.ElementwiseLosses;
import dev.detrdistill.matching.Assignment;
import java.util.List;

/**
 * Progressive instance distillation ("LD"): per student stage, against its mapped teacher stage (boxes
 * clipped to the image), over the M matched pairs of the batch, with the reference's reductions:
 * {@code 1 * sum_pairs sum_classes BCE(z_S, sigmoid(z_T)) / M + 5 * sum_pairs sum_coords |b_S - b_T| / M
 * + 2 * sum_pairs (1 - GIoU) / M}. Stages are summed with equal weight. The KL variant subtracts the
 * teacher's own entropy (the gradient is the same; the value is 0 when the student equals the teacher).
 */
public final class InstanceDistillation extends PerStageTerm {
    public enum ClassDistance {
        BCE,
        KL
    }

    private final ClassDistance classDistance;
    private final float classWeight;
    private final float l1Weight;
    private final float giouWeight;

    public InstanceDistillation(float weight, ClassDistance classDistance) {
        this(weight, classDistance, 1f, 5f, 2f);
    }

    public InstanceDistillation(
            float weight, ClassDistance classDistance, float classWeight, float l1Weight, float giouWeight) {
        super(weight);
        this.classDistance = classDistance;
        this.classWeight = classWeight;
        this.l1Weight = l1Weight;
        this.giouWeight = giouWeight;
    }

    @Override
    public String name() {
        return "distill_ld";
    }

    @Override
    NDArray stageLoss(DistillationContext ctx, int k, int t) {
        List<Assignment> matches = ctx.matches(k);
        NDArray zs = MatchedPairs.gather(ctx.student().queries().logits().get(k), matches, 0);
        NDArray bs = MatchedPairs.gather(ctx.student().queries().boxes().get(k), matches, 0);
        NDArray zt =
                MatchedPairs.gather(ctx.teacher().logits().get(t), matches, 1).stopGradient();
        NDArray bt = MatchedPairs.gather(ctx.teacherBoxes(t), matches, 1).stopGradient();
        float pairs = Math.max(1, MatchedPairs.count(matches));
        NDArray pt = Activation.sigmoid(zt);
        NDArray cls = ElementwiseLosses.bceWithLogits(zs, pt);
        if (classDistance == ClassDistance.KL) {
            cls = cls.sub(ElementwiseLosses.bceWithLogits(zt, pt));
        }
        // Summed over classes and coordinates, divided by the pair count (mmdet's avg_factor), not a mean over
        // elements.
        NDArray clsSum = Scalars.div(cls.sum(), pairs);
        NDArray l1 = Scalars.div(bs.sub(bt).abs().sum(), pairs);
        NDArray giou = Scalars.div(
                Scalars.rsub(1f, BoxOps.elementwiseGiou(BoxOps.cxcywhToXyxy(bs), BoxOps.cxcywhToXyxy(bt)))
                        .sum(),
                pairs);
        return Scalars.mul(clsSum, classWeight).add(Scalars.mul(l1, l1Weight)).add(Scalars.mul(giou, giouWeight));
    }
}
