package dev.detrdistill.producer.exported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.model.DecoderOutput;
import dev.detrdistill.model.DetrOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The output contract of a teacher exported elsewhere (docs/bring-your-own-teacher.md): a flat tuple of
 * {@code logits_1..K (B,N,C)}, {@code boxes_1..K (B,N,4)}, {@code embeddings_1..K (B,N,d)},
 * {@code features_1..L (B,d,h,w)} and {@code query_prior (N,P)}, so {@code 3K + L + 1} tensors. The parts are
 * told apart by rank (three-dimensional, four-dimensional, then one two-dimensional), so single-scale files
 * written for the first contract ({@code 3K + 2}) read unchanged.
 */
public final class TeacherContract {
    private TeacherContract() {}

    /**
     * Maps the flat output onto {@link DetrOutput}, checking counts and every shape; the message names what does not
     * fit.
     */
    public static DetrOutput parse(NDList out) {
        int n = out.size();
        int stageTensors = 0;
        while (stageTensors < n && out.get(stageTensors).getShape().dimension() == 3) {
            stageTensors++;
        }
        int levels = 0;
        while (stageTensors + levels < n
                && out.get(stageTensors + levels).getShape().dimension() == 4) {
            levels++;
        }
        if (stageTensors == 0
                || stageTensors % 3 != 0
                || levels == 0
                || stageTensors + levels + 1 != n
                || out.get(n - 1).getShape().dimension() != 2) {
            throw new IllegalArgumentException(
                    "teacher returned " + n + " tensors of shapes " + shapes(out) + "; the contract is 3K + L + 1: "
                            + "K logits, K boxes and K embeddings (3-D), L feature maps (4-D), then the query prior "
                            + "(2-D)");
        }
        int k = stageTensors / 3;
        List<NDArray> logits = new ArrayList<>(out.subList(0, k));
        List<NDArray> boxes = new ArrayList<>(out.subList(k, 2 * k));
        List<NDArray> emb = new ArrayList<>(out.subList(2 * k, 3 * k));
        List<NDArray> features = new ArrayList<>(out.subList(3 * k, 3 * k + levels));
        NDArray prior = out.get(n - 1);
        long b = logits.get(0).getShape().get(0);
        long q = logits.get(0).getShape().get(1);
        long c = logits.get(0).getShape().get(2);
        long d = emb.get(0).getShape().get(2);
        for (int s = 0; s < k; s++) {
            check(logits.get(s), b, q, c, "logits", s);
            check(boxes.get(s), b, q, 4, "boxes", s);
            check(emb.get(s), b, q, d, "embeddings", s);
        }
        for (int l = 0; l < levels; l++) {
            Shape f = features.get(l).getShape();
            if (f.get(0) != b || f.get(1) != d) {
                throw new IllegalArgumentException(
                        "teacher feature level " + (l + 1) + " has shape " + f + "; expected (" + b + ", " + d
                                + ", h, w): the maps after the input projection, as wide as the decoder embeddings");
            }
        }
        if (prior.getShape().get(0) != q) {
            throw new IllegalArgumentException(
                    "teacher query prior has shape " + prior.getShape() + "; expected (" + q + ", P)");
        }
        return new DetrOutput(new DecoderOutput(logits, boxes, emb), Optional.empty(), features, prior);
    }

    private static void check(NDArray a, long b, long q, long last, String what, int stage) {
        Shape s = a.getShape();
        if (s.get(0) != b || s.get(1) != q || s.get(2) != last) {
            throw new IllegalArgumentException("teacher " + what + " of stage " + (stage + 1) + " has shape " + s
                    + "; expected (" + b + ", " + q + ", " + last + ")");
        }
    }

    private static List<Shape> shapes(NDList out) {
        List<Shape> s = new ArrayList<>();
        for (NDArray a : out) {
            s.add(a.getShape());
        }
        return s;
    }
}
