package dev.detrdistill.trainer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A least-recently-used cache bounded by the total weight of its values (their bytes, or 1 per entry
 * for a count bound), shared by every student of a task manager: each record reaches all N students
 * one after another, so what the first student decoded or rendered serves the other N-1 (and later
 * epochs while it stays).
 */
public final class SharedLru<K, V> {
    private final long maxWeight;
    private final ToLongFunction<V> weightOf;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long weight;
    private long hits;
    private long misses;

    public SharedLru(long maxWeight, ToLongFunction<V> weightOf) {
        this.maxWeight = maxWeight;
        this.weightOf = weightOf;
    }

    /** The cached value, or {@code compute}'s (computed outside the lock, so a slow miss blocks no other student). */
    public V get(K key, Function<K, V> compute) {
        synchronized (this) {
            V v = entries.get(key);
            if (v != null) {
                hits++;
                return v;
            }
            misses++;
        }
        V v = compute.apply(key);
        long size = weightOf.applyAsLong(v);
        if (size > maxWeight) {
            return v;
        }
        synchronized (this) {
            V old = entries.put(key, v);
            weight += size - (old == null ? 0 : weightOf.applyAsLong(old));
            Iterator<Map.Entry<K, V>> it = entries.entrySet().iterator();
            while (weight > maxWeight && it.hasNext()) {
                Map.Entry<K, V> eldest = it.next();
                weight -= weightOf.applyAsLong(eldest.getValue());
                it.remove();
            }
        }
        return v;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** The total weight held (bytes, for a byte-bounded cache). */
    public synchronized long weight() {
        return weight;
    }
}
