package dev.detrdistill.train;

import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which images and views make up step {@code s}: a pure function of (seed, step), so a resumed run sees
 * exactly the batches an uninterrupted one would. Each epoch is a seeded permutation of the images.
 */
public final class BatchSampler {
    private final DetectionDataset data;
    private final ImageCache cache;
    private final TrainOptions options;
    private final int imageSize;

    public BatchSampler(DetectionDataset data, ImageCache cache, TrainOptions options, int imageSize) {
        this.data = data;
        this.cache = cache;
        this.options = options;
        this.imageSize = imageSize;
    }

    public List<ImageView> batch(int step) {
        int n = data.images().size();
        int b = options.batchSize();
        SplittableRandom viewRnd = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + step);
        List<ImageView> out = new ArrayList<>(b);
        for (int k = 0; k < b; k++) {
            long global = (long) step * b + k;
            int epoch = (int) (global / n);
            int pos = (int) (global % n);
            ImageEntry entry = data.images().get(permutation(epoch, n)[pos]);
            ViewParams v = ViewParams.random(
                    viewRnd,
                    imageSize,
                    options.minScale(),
                    options.maxScale(),
                    options.flipProb(),
                    options.verticalFlipProb());
            out.add(ViewTransform.apply(entry, cache.get(entry), v));
        }
        return out;
    }

    private int cachedEpoch = -1;
    private int[] cachedPerm;

    private int[] permutation(int epoch, int n) {
        if (epoch != cachedEpoch) {
            SplittableRandom r = new SplittableRandom(options.seed() + 1_000_003L * epoch);
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            cachedPerm = p;
            cachedEpoch = epoch;
        }
        return cachedPerm;
    }
}
