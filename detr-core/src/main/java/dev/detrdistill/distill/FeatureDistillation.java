package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.Scalars;

/**
 * Attention-agnostic feature distillation ("FD"), METHOD.md section 2: for every teacher stage k,
 * {@code mean((M_k * F_T - M_k * adapt(F_S))^2)} with the teacher's quality-weighted mask M_k; summed
 * over stages. The adapter is a learned 1x1 conv when widths differ; a student map of another size is
 * resampled (nearest) to the teacher's grid.
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
        NDArray ft = ctx.teacher().features().stopGradient();
        NDArray fs = ctx.adapters().adaptFeatures(ctx.parameterStore(), ctx.student().features(), true);
        fs = resampleNearest(fs, ft.getShape().get(2), ft.getShape().get(3));
        NDArray diff = ft.sub(fs);
        NDArray total = null;
        for (NDArray mask : ctx.teacher().featureMasks()) {
            NDArray m = mask.stopGradient().expandDims(1); // (B,1,h,w)
            NDArray l = diff.mul(m).square().mean();
            total = total == null ? l : total.add(l);
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
