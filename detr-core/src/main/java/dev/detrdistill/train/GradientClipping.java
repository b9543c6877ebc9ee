package dev.detrdistill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

/** Clips all gradients together by their global L2 norm (DJL's optimizers clip per element only). */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales every gradient by {@code min(1, maxNorm / ||g||)}; returns the norm before clipping.
     *
     * @throws NonFiniteLossException when the norm is NaN or infinite, naming the first bad parameter
     */
    public static double clipByGlobalNorm(PairList<String, Parameter> parameters, float maxNorm) {
        double sumSq = 0;
        for (Pair<String, Parameter> p : parameters) {
            NDArray w = p.getValue().getArray();
            if (!w.hasGradient()) {
                continue;
            }
            try (NDArray g = w.getGradient();
                    NDArray sq = g.square().sum()) {
                double v = sq.getFloat();
                if (!Double.isFinite(v)) {
                    throw new NonFiniteLossException("gradient of parameter '" + p.getKey() + "' is not finite");
                }
                sumSq += v;
            }
        }
        double norm = Math.sqrt(sumSq);
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Pair<String, Parameter> p : parameters) {
                NDArray w = p.getValue().getArray();
                if (w.hasGradient()) {
                    try (NDArray g = w.getGradient();
                            NDArray s = g.getManager().create(scale)) {
                        g.muli(s);
                    }
                }
            }
        }
        return norm;
    }
}
