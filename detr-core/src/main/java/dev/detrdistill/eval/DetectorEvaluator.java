package dev.detrdistill.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.model.DecoderOutput;
import dev.detrdistill.model.DetrModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs a detector over a dataset (plain resized view) and evaluates it with {@link CocoEvaluator}. */
public final class DetectorEvaluator {
    public static final int MAX_DETECTIONS = 100;

    private DetectorEvaluator() {}

    public static List<Detection> predict(
            DetrModel model, DetectionDataset data, ImageCache cache, NDManager manager, int batchSize) {
        return predict(model, data, cache, manager, batchSize, null);
    }

    /** As above, reporting images done on {@code progress} (null for silence). */
    public static List<Detection> predict(
            DetrModel model,
            DetectionDataset data,
            ImageCache cache,
            NDManager manager,
            int batchSize,
            java.io.PrintStream progress) {
        dev.detrdistill.progress.ProgressBar bar = progress == null
                ? null
                : new dev.detrdistill.progress.ProgressBar(
                        progress, "eval", data.images().size());
        int size = model.config().imageSize();
        List<Detection> out = new ArrayList<>();
        List<ImageEntry> images = data.images();
        for (int start = 0; start < images.size(); start += batchSize) {
            List<ImageEntry> chunk = images.subList(start, Math.min(images.size(), start + batchSize));
            List<ImageView> views = chunk.stream()
                    .map(e -> ViewTransform.apply(e, cache.get(e), ViewParams.identity(size)))
                    .toList();
            out.addAll(detect(model, chunk, views, manager));
            if (bar != null) {
                bar.update(start + chunk.size(), 0, "images");
            }
        }
        return out;
    }

    /**
     * The top {@link #MAX_DETECTIONS} detections of each image from its plain view, boxes in the image's own pixels;
     * the
     * arrays of the pass live in a sub-manager closed before returning.
     */
    public static List<Detection> detect(
            DetrModel model, List<ImageEntry> images, List<ImageView> views, NDManager manager) {
        int c = model.config().numClasses();
        int n = model.config().numQueries();
        List<Detection> out = new ArrayList<>();
        try (NDManager sm = manager.newSubManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = Batches.images(sm, views);
            DecoderOutput o =
                    model.detect(new ParameterStore(sm, false), x, false).queries();
            float[] logits = o.lastLogits().toFloatArray();
            float[] boxes = o.lastBoxes().toFloatArray();
            for (int i = 0; i < images.size(); i++) {
                out.addAll(Postprocess.topK(
                        images.get(i),
                        Arrays.copyOfRange(logits, i * n * c, (i + 1) * n * c),
                        Arrays.copyOfRange(boxes, i * n * 4, (i + 1) * n * 4),
                        c,
                        MAX_DETECTIONS));
            }
        }
        return out;
    }

    public static CocoMetrics evaluate(
            DetrModel model, DetectionDataset data, ImageCache cache, NDManager manager, int batchSize) {
        return new CocoEvaluator(data.images(), data.classNames())
                .evaluate(predict(model, data, cache, manager, batchSize));
    }
}
