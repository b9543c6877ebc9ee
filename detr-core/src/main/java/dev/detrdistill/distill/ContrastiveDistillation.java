package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.matching.Assignment;
import java.util.List;

/**
 * The reference code's contrastive term ("cl"): per student stage, the decoder embeddings of the
 * instance-distillation pairs of the whole batch go through their side's {@link ContrastiveHead};
 * {@code logits = teacher_proj x student_proj^T / 0.07} over the P pairs, and the loss is the
 * cross-entropy of each teacher row against its own student (the diagonal), averaged over rows.
 * Weight 0.2 per stage in the reference; stages are summed. A stage with fewer than two pairs has
 * nothing to contrast (and BatchNorm needs two rows): it contributes 0.
 */
public final class ContrastiveDistillation extends PerStageTerm {
    public static final float TEMPERATURE = 0.07f;

    public ContrastiveDistillation(float weight) {
        super(weight);
    }

    @Override
    public String name() {
        return "distill_cl";
    }

    @Override
    NDArray stageLoss(DistillationContext ctx, int k, int t) {
        List<Assignment> matches = ctx.matches(k);
        if (MatchedPairs.count(matches) < 2) {
            return null;
        }
        NDArray student =
                MatchedPairs.gather(ctx.student().queries().embeddings().get(k), matches, 0);
        NDArray teacher = MatchedPairs.gather(ctx.teacher().embeddings().get(t), matches, 1)
                .stopGradient();
        return loss(
                ctx.adapters().projectStudent(ctx.parameterStore(), student),
                ctx.adapters().projectTeacher(ctx.parameterStore(), teacher));
    }

    /**
     * Cross-entropy of {@code teacher x student^T / T} rows against the diagonal; inputs are unit rows {@code (P, D)}.
     */
    static NDArray loss(NDArray studentProjected, NDArray teacherProjected) {
        long p = studentProjected.getShape().get(0);
        NDArray logits = Scalars.div(teacherProjected.matMul(studentProjected.transpose()), TEMPERATURE); // (P, P)
        NDArray logProb = logits.logSoftmax(1);
        NDArray diagonal = logProb.mul(logProb.getManager().eye((int) p)).sum(new int[] {1});
        return diagonal.mean().neg();
    }
}
