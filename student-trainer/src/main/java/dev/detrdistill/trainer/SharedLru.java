package dev.detrdistill.trainer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A least-recently-used cache bounded by the bytes its values hold, shared by every student of a task
 * manager: each record reaches all N students one after another, so what the first student decoded or
 * rendered serves the other N-1 (and later epochs while it stays).
 */
public final class SharedLru<K, V> {
    private final long maxBytes;
    private final ToLongFunction<V> bytesOf;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    public SharedLru(long maxBytes, ToLongFunction<V> bytesOf) {
        this.maxBytes = maxBytes;
        this.bytesOf = bytesOf;
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
        long size = bytesOf.applyAsLong(v);
        if (size > maxBytes) {
            return v;
        }
        synchronized (this) {
            V old = entries.put(key, v);
            bytes += size - (old == null ? 0 : bytesOf.applyAsLong(old));
            Iterator<Map.Entry<K, V>> it = entries.entrySet().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                Map.Entry<K, V> eldest = it.next();
                bytes -= bytesOf.applyAsLong(eldest.getValue());
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

    public synchronized long bytes() {
        return bytes;
    }
}
