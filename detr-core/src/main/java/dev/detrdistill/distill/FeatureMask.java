package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.Box;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.data.DetectionTarget;
import java.util.Arrays;

/**
 * The attention-agnostic feature-distillation mask (docs/method.md, FD), for one teacher stage:
 * the top-K (query, class) pairs by sigmoid score, each weighted by quality {@code s = score * max IoU
 * with the GT} ({@code s = score} without GT), vote with the cosine similarity of their decoder
 * embedding to every feature location; {@code M = clamp(sum, min 0.01) / max} per image and level.
 * It depends on the teacher alone, so it is computed where the teacher runs.
 */
public final class FeatureMask {
    /** The reference keeps the top 100 pairs of a 300-query teacher: a third of its query count. */
    static final int REFERENCE_TOP_K = 100;

    static final int REFERENCE_QUERIES = 300;

    /** How a query votes for a feature location. */
    public enum Kind {
        /** The reference code's default: cosine similarity of embedding and feature. */
        COSINE,
        /**
         * The paper text's variant, {@code sigmoid(f(q)^T F)}: here f is the identity scaled by
         * 1/sqrt(d) (the mask is computed where the teacher runs, with nothing to learn there).
         */
        SIGMOID
    }

    static final float FLOOR = 0.01f;

    private FeatureMask() {}

    /**
     * K for a teacher of {@code numQueries} queries: 100 at the reference's 300, scaled with the query
     * count (a fixed 100 would be over half of a 20-query teacher's pairs), at least 1.
     */
    public static int topK(int numQueries, int numClasses) {
        int k = (int) Math.round((double) REFERENCE_TOP_K * numQueries / REFERENCE_QUERIES);
        return Math.max(1, Math.min(k, numQueries * numClasses));
    }

    /**
     * @param logits {@code (B, N, C)} teacher stage logits
     * @param boxes {@code (B, N, 4)} teacher stage boxes
     * @param embeddings {@code (B, N, d)} teacher stage decoder embeddings
     * @param features {@code (B, d, h, w)} one level of the teacher's encoder-input maps
     * @return {@code (B, h, w)} mask on the features' manager, no gradient
     */
    public static NDArray compute(
            NDArray logits,
            NDArray boxes,
            NDArray embeddings,
            NDArray features,
            java.util.List<DetectionTarget> targets) {
        return compute(logits, boxes, embeddings, features, targets, Kind.COSINE);
    }

    /** As {@link #compute(NDArray, NDArray, NDArray, NDArray, java.util.List)} with a choice of vote. */
    public static NDArray compute(
            NDArray logits,
            NDArray boxes,
            NDArray embeddings,
            NDArray features,
            java.util.List<DetectionTarget> targets,
            Kind kind) {
        Shape ls = logits.getShape();
        int b = (int) ls.get(0);
        int n = (int) ls.get(1);
        int c = (int) ls.get(2);
        Shape fs = features.getShape();
        int d = (int) fs.get(1);
        long hw = fs.get(2) * fs.get(3);
        int k = topK(n, c);
        float[] lg = logits.toFloatArray();
        float[] bx = boxes.toFloatArray();
        NDManager manager = features.getManager();
        // Per image: selected query indices and their quality weights, as host arrays.
        long[] queryIndex = new long[b * k];
        float[] quality = new float[b * k];
        for (int i = 0; i < b; i++) {
            Integer[] order = new Integer[n * c];
            for (int q = 0; q < n * c; q++) {
                order[q] = q;
            }
            final int base = i * n * c;
            Arrays.sort(order, (x, y) -> Float.compare(lg[base + y], lg[base + x]));
            DetectionTarget t = targets.get(i);
            for (int r = 0; r < k; r++) {
                int flat = order[r];
                int q = flat / c;
                double score = 1 / (1 + Math.exp(-lg[base + flat]));
                double s = score;
                if (t.size() > 0) {
                    int o = (i * n + q) * 4;
                    Box pb = Box.fromCxcywh(bx[o], bx[o + 1], bx[o + 2], bx[o + 3]);
                    double best = 0;
                    for (int g = 0; g < t.size(); g++) {
                        float[] tb = t.boxes();
                        best = Math.max(
                                best, pb.iou(Box.fromCxcywh(tb[4 * g], tb[4 * g + 1], tb[4 * g + 2], tb[4 * g + 3])));
                    }
                    s = score * best;
                }
                queryIndex[i * k + r] = (long) i * n + q;
                quality[i * k + r] = (float) s;
            }
        }
        NDArray q = embeddings
                .stopGradient()
                .reshape(b * (long) n, d)
                .get(manager.create(queryIndex))
                .reshape(b, k, d);
        NDArray f = features.stopGradient().reshape(b, d, hw);
        NDArray votes; // (B, k, hw)
        if (kind == Kind.SIGMOID) {
            votes = ai.djl.nn.Activation.sigmoid(Scalars.mul(q.matMul(f), (float) (1 / Math.sqrt(d))));
        } else {
            NDArray qn = q.div(Scalars.add(q.norm(new int[] {2}, true), 1e-6f));
            NDArray fn = f.div(Scalars.add(f.norm(new int[] {1}, true), 1e-6f));
            votes = qn.matMul(fn);
        }
        NDArray weights = manager.create(quality, new Shape(b, k, 1));
        NDArray m = Scalars.maximum(votes.mul(weights).sum(new int[] {1}), FLOOR); // (B, hw)
        NDArray mx = m.max(new int[] {1}, true);
        return m.div(mx).reshape(b, fs.get(2), fs.get(3));
    }
}
