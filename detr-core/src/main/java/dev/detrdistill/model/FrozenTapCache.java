package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What a frozen pretrained network outputs for each distinct image, kept on the Java heap. A frozen network gives
 * the same maps for the same pixels, and a streamed student sees each record's view once per epoch (N students of a
 * job see it N times), so after the first pass the network is not run again for that view. Entries are keyed by a
 * 128-bit hash of the pixels, shared by every model in the JVM that runs the same network to the same outputs, and
 * the least recently used leave first when the byte budget ({@value #BUDGET_PROPERTY}, MB; 0 turns caching off) is
 * reached.
 */
public final class FrozenTapCache {
    /** System property: the budget in MB of each cache (default 1024, at most a quarter of the heap; 0 = off). */
    public static final String BUDGET_PROPERTY = "detrdistill.frozenCacheMb";

    private static final Map<String, FrozenTapCache> SHARED = new ConcurrentHashMap<>();
    private static final ThreadLocal<Boolean> BYPASSED = ThreadLocal.withInitial(() -> false);

    private final String network;
    private final long budgetBytes;
    private final LinkedHashMap<PixelKey, Maps> entries = new LinkedHashMap<>(256, 0.75f, true);
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private long bytes;

    /** One cached image's identity: two independent 64-bit hashes of its pixel bits, and their count. */
    private record PixelKey(long first, long second, int length) {}

    /** One image's outputs: per output its values and its shape (C, h, w). */
    private record Maps(float[][] values, long[][] shapes) {
        long bytes() {
            long size = 64;
            for (float[] v : values) {
                size += 4L * v.length + 16;
            }
            return size;
        }
    }

    /** What a cache has done, for logs and summaries. */
    public record Stats(String network, long hits, long misses, long entries, double megabytes) {}

    FrozenTapCache(String network, long budgetBytes) {
        this.network = network;
        this.budgetBytes = budgetBytes;
    }

    /** The JVM's cache for one frozen network and its outputs, or null when caching is off. */
    static FrozenTapCache shared(String network) {
        long budget = budgetBytes();
        return budget <= 0 ? null : SHARED.computeIfAbsent(network, n -> new FrozenTapCache(n, budget));
    }

    /** Every cache in this JVM. */
    public static List<Stats> statistics() {
        return SHARED.values().stream().map(FrozenTapCache::stats).toList();
    }

    /**
     * Runs {@code work} on this thread with every network computed, none looked up: for timing inference, where a
     * cached view would hide the backbone's cost.
     */
    public static <T> T uncached(java.util.function.Supplier<T> work) {
        boolean before = BYPASSED.get();
        BYPASSED.set(true);
        try {
            return work.get();
        } finally {
            BYPASSED.set(before);
        }
    }

    static long budgetBytes() {
        String value = System.getProperty(BUDGET_PROPERTY, "1024");
        long mb;
        try {
            mb = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + BUDGET_PROPERTY + "=" + value + " is not a whole number of megabytes (0 turns caching off)");
        }
        if (mb < 0) {
            throw new IllegalArgumentException("-D" + BUDGET_PROPERTY + "=" + value + " is negative");
        }
        return Math.min(mb << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    public synchronized Stats stats() {
        return new Stats(network, hits.get(), misses.get(), entries.size(), bytes / (1024.0 * 1024.0));
    }

    /**
     * The network's outputs {@code (B, C, h, w)} for a batch of images {@code (B, ...)}, float32; {@code network} runs
     * only on the images not seen before, and only on those.
     */
    public NDList outputs(NDArray images, Function<NDArray, NDList> network) {
        if (BYPASSED.get()) {
            return network.apply(images);
        }
        NDManager manager = images.getManager();
        int batch = (int) images.getShape().get(0);
        float[] pixels = images.toType(DataType.FLOAT32, false).toFloatArray();
        int perImage = pixels.length / batch;
        PixelKey[] keys = new PixelKey[batch];
        Maps[] found = new Maps[batch];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            keys[i] = key(pixels, i * perImage, perImage);
            found[i] = get(keys[i]);
            if (found[i] == null) {
                missing.add(i);
            }
        }
        hits.addAndGet(batch - missing.size());
        misses.addAndGet(missing.size());
        if (!missing.isEmpty()) {
            NDArray subset = missing.size() == batch
                    ? images
                    : images.get(new NDIndex(
                            "{}",
                            manager.create(missing.stream()
                                    .mapToLong(Integer::longValue)
                                    .toArray())));
            NDList computed = network.apply(subset);
            store(keys, found, missing, computed);
            if (missing.size() == batch) {
                return computed; // nothing to assemble: the whole batch was new
            }
        }
        return assemble(manager, found);
    }

    private void store(PixelKey[] keys, Maps[] found, List<Integer> missing, NDList computed) {
        long[][] shapes = new long[computed.size()][];
        float[][] flat = new float[computed.size()][];
        for (int t = 0; t < computed.size(); t++) {
            Shape s = computed.get(t).getShape();
            shapes[t] = new long[] {s.get(1), s.get(2), s.get(3)};
            flat[t] = computed.get(t).toType(DataType.FLOAT32, false).toFloatArray();
        }
        for (int j = 0; j < missing.size(); j++) {
            float[][] values = new float[flat.length][];
            for (int t = 0; t < flat.length; t++) {
                int per = flat[t].length / missing.size();
                values[t] = java.util.Arrays.copyOfRange(flat[t], j * per, (j + 1) * per);
            }
            Maps maps = new Maps(values, shapes);
            found[missing.get(j)] = maps;
            put(keys[missing.get(j)], maps);
        }
    }

    private static NDList assemble(NDManager manager, Maps[] found) {
        long[][] shapes = found[0].shapes(); // one batch, one image size: the same shapes for all
        NDList out = new NDList();
        for (int t = 0; t < shapes.length; t++) {
            int per = found[0].values()[t].length;
            float[] batch = new float[per * found.length];
            for (int i = 0; i < found.length; i++) {
                System.arraycopy(found[i].values()[t], 0, batch, i * per, per);
            }
            out.add(manager.create(batch, new Shape(found.length, shapes[t][0], shapes[t][1], shapes[t][2])));
        }
        return out;
    }

    private synchronized Maps get(PixelKey key) {
        return entries.get(key);
    }

    private synchronized void put(PixelKey key, Maps maps) {
        long size = maps.bytes();
        if (size > budgetBytes || entries.containsKey(key)) {
            return;
        }
        entries.put(key, maps);
        bytes += size;
        var eldest = entries.entrySet().iterator();
        while (bytes > budgetBytes && eldest.hasNext()) {
            bytes -= eldest.next().getValue().bytes();
            eldest.remove();
        }
    }

    private static PixelKey key(float[] pixels, int from, int length) {
        long a = 0x9E3779B97F4A7C15L;
        long b = 0xC2B2AE3D27D4EB4FL;
        for (int i = from; i < from + length; i++) {
            long bits = Float.floatToRawIntBits(pixels[i]) & 0xFFFFFFFFL;
            a = (a ^ bits) * 0x100000001B3L;
            b = Long.rotateLeft(b + bits * 0xC2B2AE3D27D4EB4FL, 31) * 0x9E3779B97F4A7C15L;
        }
        return new PixelKey(a, b, length);
    }
}
