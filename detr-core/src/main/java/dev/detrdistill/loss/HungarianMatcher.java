package dev.detrdistill.loss;

import dev.detrdistill.box.Box;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.matching.LinearSumAssignment;

/**
 * DETR's matcher (Deformable-DETR's cost) between N predictions and M ground-truth boxes of one image:
 * {@code C = w_cls * (pos - neg focal cost at the GT class) + w_L1 * L1(cxcywh) - w_giou * GIoU}.
 * Computed on the host: it needs no gradient and the Hungarian solver runs on the host anyway.
 */
public final class HungarianMatcher {
    private final LossWeights weights;
    private final LinearSumAssignment solver = new LinearSumAssignment();

    public HungarianMatcher(LossWeights weights) {
        this.weights = weights;
    }

    /**
     * @param logits {@code N*C} row-major class logits of one image
     * @param boxes {@code N*4} normalised cxcywh predictions
     * @return an assignment of prediction rows to target columns (size min(N, M))
     */
    public Assignment assign(float[] logits, float[] boxes, int numQueries, int numClasses, DetectionTarget target) {
        double[] cost = cost(logits, boxes, numQueries, numClasses, target);
        try {
            return solver.solve(cost, numQueries, target.size());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "matching cost is not finite (NaN/inf in the predictions?): " + e.getMessage(), e);
        }
    }

    /** The row-major {@code N x M} matching cost of one image (rows predictions, columns ground truth). */
    public double[] cost(float[] logits, float[] boxes, int numQueries, int numClasses, DetectionTarget target) {
        int m = target.size();
        double[] cost = new double[numQueries * m];
        double alpha = weights.focalAlpha();
        double gamma = weights.focalGamma();
        Box[] gt = new Box[m];
        for (int j = 0; j < m; j++) {
            float[] t = target.boxes();
            gt[j] = Box.fromCxcywh(t[4 * j], t[4 * j + 1], t[4 * j + 2], t[4 * j + 3]);
        }
        for (int i = 0; i < numQueries; i++) {
            Box pred = Box.fromCxcywh(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]);
            for (int j = 0; j < m; j++) {
                double p = 1 / (1 + Math.exp(-logits[i * numClasses + target.labels()[j]]));
                double neg = (1 - alpha) * Math.pow(p, gamma) * -Math.log(1 - p + 1e-8);
                double pos = alpha * Math.pow(1 - p, gamma) * -Math.log(p + 1e-8);
                float[] t = target.boxes();
                double l1 = 0;
                for (int k = 0; k < 4; k++) {
                    l1 += Math.abs(boxes[4 * i + k] - t[4 * j + k]);
                }
                cost[i * m + j] = weights.focal() * (pos - neg) + weights.l1() * l1 - weights.giou() * pred.giou(gt[j]);
            }
        }
        return cost;
    }
}
