package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.matching.Assignment;
import java.util.List;

/** Gathers rows of {@code (B, N, X)} arrays for a batch of assignments as {@code (P, X)} arrays. */
final class MatchedPairs {
    private MatchedPairs() {}

    static int count(List<Assignment> matches) {
        return matches.stream().mapToInt(Assignment::size).sum();
    }

    /**
     * Matched rows of {@code a (B, N, X)}, taking rows ({@code side=0}) or columns ({@code side=1}) of each assignment.
     */
    static NDArray gather(NDArray a, List<Assignment> matches, int side) {
        long n = a.getShape().get(1);
        long x = a.getShape().get(2);
        long[] idx = new long[count(matches)];
        int p = 0;
        for (int i = 0; i < matches.size(); i++) {
            int[] which = side == 0 ? matches.get(i).rows() : matches.get(i).cols();
            for (int w : which) {
                idx[p++] = i * n + w;
            }
        }
        NDManager m = a.getManager();
        return a.reshape(-1, x).get(m.create(idx));
    }

    /** Same, for one image only. */
    static NDArray gatherImage(NDArray a, int image, Assignment match, int side) {
        int[] which = side == 0 ? match.rows() : match.cols();
        long[] idx = new long[which.length];
        for (int k = 0; k < which.length; k++) {
            idx[k] = which[k];
        }
        return a.get(image).get(a.getManager().create(idx));
    }
}
