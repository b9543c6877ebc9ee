package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.Box;
import dev.detrdistill.loss.ElementwiseLosses;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.matching.LinearSumAssignment;
import java.util.ArrayList;
import java.util.List;

/**
 * Matches a student stage's predictions to a teacher stage's (all of them, negatives included) with the
 * instance-distillation cost (docs/method.md, LD), per image, teacher boxes clipped to the image:
 * {@code C_ij = sum_c [p_jc BCE(z_ic,1) + (1-p_jc) BCE(z_ic,0)] + 5 L1(b_i,b_j) - 2 GIoU(b_i,b_j)},
 * p = sigmoid(teacher logits). The class part simplifies to {@code sum_c softplus(z_ic) - z_i . p_j}.
 * Rows are student queries, columns teacher queries.
 */
public final class InstanceMatcher {
    private final float l1Weight;
    private final float giouWeight;
    private final LinearSumAssignment matcher = new LinearSumAssignment();

    public InstanceMatcher(float l1Weight, float giouWeight) {
        this.l1Weight = l1Weight;
        this.giouWeight = giouWeight;
    }

    /**
     * @param studentLogits {@code (B, N_S, C)}
     * @param studentBoxes {@code (B, N_S, 4)}
     * @param teacherLogits {@code (B, N_T, C)}
     * @param teacherBoxes {@code (B, N_T, 4)}
     */
    public List<Assignment> match(
            NDArray studentLogits, NDArray studentBoxes, NDArray teacherLogits, NDArray teacherBoxes) {
        List<double[]> costs = costs(studentLogits, studentBoxes, teacherLogits, teacherBoxes);
        int ns = (int) studentLogits.getShape().get(1);
        int nt = (int) teacherLogits.getShape().get(1);
        List<Assignment> out = new ArrayList<>(costs.size());
        for (int i = 0; i < costs.size(); i++) {
            try {
                out.add(matcher.solve(costs.get(i), ns, nt));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "instance-distillation cost of image " + i + " is not finite "
                                + "(NaN in student or teacher predictions?): " + e.getMessage(),
                        e);
            }
        }
        return out;
    }

    /** Per image, the row-major {@code N_S x N_T} matching cost (rows student queries, columns teacher queries). */
    public List<double[]> costs(
            NDArray studentLogits, NDArray studentBoxes, NDArray teacherLogits, NDArray teacherBoxes) {
        Shape s = studentLogits.getShape();
        int b = (int) s.get(0);
        int ns = (int) s.get(1);
        int c = (int) s.get(2);
        int nt = (int) teacherLogits.getShape().get(1);
        if (teacherLogits.getShape().get(2) != c) {
            throw new IllegalArgumentException("student predicts " + c + " classes, teacher "
                    + teacherLogits.getShape().get(2));
        }
        NDArray zs = studentLogits.stopGradient();
        NDArray pt = ai.djl.nn.Activation.sigmoid(teacherLogits.stopGradient());
        // (B, N_S, N_T) class cost
        NDArray classCost =
                ElementwiseLosses.softplus(zs).sum(new int[] {2}, true).sub(zs.matMul(pt.transpose(0, 2, 1)));
        float[] cls = classCost.toFloatArray();
        float[] sb = studentBoxes.stopGradient().toFloatArray();
        float[] tb = teacherBoxes.stopGradient().toFloatArray();
        List<double[]> out = new ArrayList<>(b);
        Box[] teacher = new Box[nt];
        for (int i = 0; i < b; i++) {
            double[] cost = new double[ns * nt];
            for (int j = 0; j < nt; j++) {
                int o = (i * nt + j) * 4;
                teacher[j] = Box.fromCxcywh(tb[o], tb[o + 1], tb[o + 2], tb[o + 3]);
            }
            for (int q = 0; q < ns; q++) {
                int o = (i * ns + q) * 4;
                Box sbq = Box.fromCxcywh(sb[o], sb[o + 1], sb[o + 2], sb[o + 3]);
                for (int j = 0; j < nt; j++) {
                    int t = (i * nt + j) * 4;
                    double l1 = Math.abs(sb[o] - tb[t])
                            + Math.abs(sb[o + 1] - tb[t + 1])
                            + Math.abs(sb[o + 2] - tb[t + 2])
                            + Math.abs(sb[o + 3] - tb[t + 3]);
                    cost[q * nt + j] = cls[(i * ns + q) * nt + j] + l1Weight * l1 - giouWeight * sbq.giou(teacher[j]);
                }
            }
            out.add(cost);
        }
        return out;
    }
}
