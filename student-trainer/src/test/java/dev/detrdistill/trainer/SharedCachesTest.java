package dev.detrdistill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.TensorEncoding;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The caches that let N students share one decode and one rendering of each record. */
class SharedCachesTest {
    @Test
    void evictsLeastRecentlyUsedByBytes() {
        SharedLru<String, float[]> lru = new SharedLru<>(3 * 4 * 10, v -> 4L * v.length);
        AtomicInteger computed = new AtomicInteger();
        for (String k : new String[] {"a", "b", "c"}) {
            lru.get(k, x -> {
                computed.incrementAndGet();
                return new float[10];
            });
        }
        lru.get("a", x -> new float[10]); // a is now the most recent
        lru.get("d", x -> new float[10]); // evicts b
        assertEquals(120, lru.weight());
        int before = computed.get();
        lru.get("a", x -> {
            computed.incrementAndGet();
            return new float[10];
        });
        assertEquals(before, computed.get(), "a stayed");
        float[] b = lru.get("b", x -> new float[] {7});
        assertEquals(7, b[0], "b was evicted and computed again");
        assertTrue(lru.hits() >= 2 && lru.misses() >= 5);
    }

    @Test
    void studentsShareDecodedTensorsButACorruptedCopyNeverDoes() {
        TeacherRecord r = new TeacherRecord();
        r.setDatasetId("d");
        r.setImageId("i");
        r.setViewId(0);
        r.setTeacherId("t");
        r.setTeacherVersion(1);
        r.setProducedAtMs(5L);
        Tensor clean = TensorCodec.encode(new float[] {1, 2, 3}, new int[] {3}, TensorEncoding.FP32);
        float[] first = DecodedTensors.get(r, "logits0", clean);
        assertSame(
                first,
                DecodedTensors.get(
                        r, "logits0", TensorCodec.encode(new float[] {1, 2, 3}, new int[] {3}, TensorEncoding.FP32)),
                "another student's copy of the same record hits the cache");
        Tensor corrupted = TensorCodec.encode(new float[] {1, Float.MAX_VALUE, 3}, new int[] {3}, TensorEncoding.FP32);
        float[] other = DecodedTensors.get(r, "logits0", corrupted);
        assertNotSame(first, other);
        assertArrayEquals(
                new float[] {1, Float.MAX_VALUE, 3},
                other,
                0f,
                "a copy with other bytes is decoded from its own bytes");
    }
}
