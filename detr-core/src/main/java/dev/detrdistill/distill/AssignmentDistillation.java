package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DecoderOutput;

/**
 * Teacher-assisted assignment distillation ("AD", docs/method.md): the teacher's query prior (as is
 * when the prior widths match, else through a learned projection) runs through the student's decoder as a separate
 * group (no
 * attention to the student's own queries; see {@code DetrModel.detect} with an extra prior). Its
 * predictions at student stage k are supervised with the DETR loss against ground truth using the
 * teacher's own assignment at the mapped teacher stage, so no new matching is needed. Training only.
 */
public final class AssignmentDistillation implements DistillationTerm {
    private final float weight;
    private final SetCriterion criterion;

    public AssignmentDistillation(float weight, SetCriterion criterion) {
        this.weight = weight;
        this.criterion = criterion;
    }

    @Override
    public String name() {
        return "distill_ad";
    }

    @Override
    public float weight() {
        return weight;
    }

    @Override
    public NDArray compute(DistillationContext ctx) {
        DecoderOutput group = ctx.student()
                .extraGroup()
                .orElseThrow(() -> new IllegalStateException(
                        "assignment distillation needs the student forward pass with the teacher's query group"));
        float numBoxes = Math.max(
                1f, ctx.targets().stream().mapToInt(DetectionTarget::size).sum());
        NDArray total = null;
        for (int k = 0; k < group.numStages(); k++) {
            int t = ctx.mapping().teacherStage(k);
            NDArray l = criterion
                    .stageLoss(
                            group.logits().get(k),
                            group.boxes().get(k),
                            ctx.targets(),
                            ctx.teacher().assignments().get(t),
                            numBoxes)
                    .get("loss");
            total = total == null ? l : total.add(l);
        }
        return Scalars.mul(total, weight);
    }
}
