package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * Attention-agnostic feature distillation ("FD"): for every teacher stage k and feature level l,
 * {@code mean((M_kl * F_T,l - M_kl * adapt(F_S,l))^2)} over all elements, with the teacher's
 * quality-weighted mask M_kl; summed over levels and stages (weight 1 in the reference). F are the maps
 * that enter the encoder. The adapter is a learned 1x1 conv when widths differ; a student map of another
 * size is resampled (nearest) to the teacher's grid. Levels are paired in order; extra levels on either
 * side are left out, as the reference's {@code zip} does.
 */
public final class FeatureDistillation implements DistillationTerm {
    private final float weight;

    public FeatureDistillation(float weight) {
        this.weight = weight;
    }

    @Override
    public String name() {
        return "distill_fd";
    }

    @Override
    public float weight() {
        return weight;
    }

    @Override
    public NDArray compute(DistillationContext ctx) {
        List<NDArray> teacherLevels = ctx.teacher().features();
        List<NDArray> studentLevels = ctx.student().features();
        int levels = Math.min(teacherLevels.size(), studentLevels.size());
        List<NDArray> diffs = new ArrayList<>(levels);
        for (int l = 0; l < levels; l++) {
            NDArray ft = teacherLevels.get(l).stopGradient();
            NDArray fs = ctx.adapters().adaptFeatures(ctx.parameterStore(), studentLevels.get(l), true);
            fs = resampleNearest(fs, ft.getShape().get(2), ft.getShape().get(3));
            diffs.add(ft.sub(fs));
        }
        NDArray total = null;
        for (List<NDArray> stageMasks : ctx.teacher().featureMasks()) {
            for (int l = 0; l < levels; l++) {
                NDArray m = stageMasks.get(l).stopGradient().expandDims(1); // (B,1,h,w)
                NDArray loss = diffs.get(l).mul(m).square().mean();
                total = total == null ? loss : total.add(loss);
            }
        }
        return Scalars.mul(total, weight);
    }

    /** {@code (B, d, h, w)} to {@code (B, d, th, tw)} by nearest-neighbour gathering (differentiable). */
    static NDArray resampleNearest(NDArray x, long th, long tw) {
        Shape s = x.getShape();
        long h = s.get(2);
        long w = s.get(3);
        if (h == th && w == tw) {
            return x;
        }
        long[] idx = new long[(int) (th * tw)];
        for (int y = 0; y < th; y++) {
            for (int z = 0; z < tw; z++) {
                long sy = Math.min(h - 1, (long) Math.floor((y + 0.5) * h / th));
                long sx = Math.min(w - 1, (long) Math.floor((z + 0.5) * w / tw));
                idx[(int) (y * tw + z)] = sy * w + sx;
            }
        }
        NDArray flat = x.reshape(s.get(0) * s.get(1), h * w).transpose(); // (hw, B*d)
        NDArray picked = flat.get(x.getManager().create(idx)); // (th*tw, B*d)
        return picked.transpose().reshape(s.get(0), s.get(1), th, tw);
    }
}
