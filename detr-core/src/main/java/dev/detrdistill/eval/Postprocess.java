package dev.detrdistill.eval;

import dev.detrdistill.box.Box;
import dev.detrdistill.data.ImageEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Deformable-DETR's post-processing: per image, the top-k (query, class) pairs by sigmoid score, each
 * with its query's box scaled to the original image size.
 */
public final class Postprocess {
    private Postprocess() {}

    /**
     * @param logits {@code N*C} class logits of one image (row-major)
     * @param boxes {@code N*4} normalised cxcywh boxes
     */
    public static List<Detection> topK(ImageEntry image, float[] logits, float[] boxes, int numClasses, int k) {
        int total = logits.length;
        int keep = Math.min(k, total);
        // Partial selection: indices of the top-k logits (sigmoid is monotone).
        int[] idx = new int[total];
        for (int i = 0; i < total; i++) {
            idx[i] = i;
        }
        quickSelectTop(idx, logits, keep);
        List<Detection> out = new ArrayList<>(keep);
        for (int r = 0; r < keep; r++) {
            int flat = idx[r];
            int q = flat / numClasses;
            int c = flat % numClasses;
            double score = 1 / (1 + Math.exp(-logits[flat]));
            Box b = Box.fromCxcywh(
                            boxes[4 * q] * image.width(),
                            boxes[4 * q + 1] * image.height(),
                            boxes[4 * q + 2] * image.width(),
                            boxes[4 * q + 3] * image.height())
                    .clip(image.width(), image.height());
            out.add(new Detection(image.id(), c, b, score));
        }
        return out;
    }

    private static void quickSelectTop(int[] idx, float[] v, int k) {
        if (k >= idx.length) {
            return;
        }
        int lo = 0;
        int hi = idx.length - 1;
        while (lo < hi) {
            float pivot = v[idx[(lo + hi) >>> 1]];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (v[idx[i]] > pivot) {
                    i++;
                }
                while (v[idx[j]] < pivot) {
                    j--;
                }
                if (i <= j) {
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }
}
