package dev.detrdistill.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/** Stacks views into model input. */
public final class Batches {
    private Batches() {}

    /** Images {@code (B, 3, S, S)} on {@code manager}. */
    public static NDArray images(NDManager manager, List<ImageView> views) {
        int s = views.get(0).size();
        int per = 3 * s * s;
        float[] flat = new float[views.size() * per];
        for (int i = 0; i < views.size(); i++) {
            if (views.get(i).size() != s) {
                throw new IllegalArgumentException(
                        "view " + views.get(i).imageId() + " is " + views.get(i).size() + "px, batch is " + s + "px");
            }
            System.arraycopy(views.get(i).pixels(), 0, flat, i * per, per);
        }
        return manager.create(flat, new Shape(views.size(), 3, s, s));
    }

    public static List<DetectionTarget> targets(List<ImageView> views) {
        return views.stream().map(ImageView::target).toList();
    }
}
