package dev.detrdistill.trainer;

import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.stream.ClaimCheck;

/**
 * Teacher tensors decoded once per process: the intake decodes every tensor to check it for NaN, and
 * leaves the floats here; the N students of the record then take them instead of decoding again
 * (read-only; steps copy them into NDArrays). Bounded to 256 MB, least recently used first out; a miss
 * (another process, or evicted) simply decodes.
 */
public final class DecodedTensors {
    private static final SharedLru<String, float[]> CACHE = new SharedLru<>(256L << 20, v -> 4L * v.length);

    private DecodedTensors() {}

    /**
     * The floats of {@code t}, field {@code field} of record {@code r} (fields: {@code logits<s>}, {@code boxes<s>},
     * {@code embeddings<s>}, {@code mask<s>.<level>}, {@code features.<level>}).
     */
    public static float[] get(TeacherRecord r, String field, Tensor t) {
        return CACHE.get(key(r, field, t), k -> TensorCodec.decode(ClaimCheck.resolve(t)));
    }

    /**
     * The record's key, teacher version and production time, the field, and the content: a cheap hash of the
     * bytes (or the claim check's sha256), so a corrupted copy of a record never shares a genuine one's floats.
     */
    static String key(TeacherRecord r, String field, Tensor t) {
        String content = t.getRef() != null
                ? t.getRef().getSha256().toString()
                : t.getEncoding() + ":" + t.getData().remaining() + ":"
                        + t.getData().hashCode() + ":" + t.getShape() + ":"
                        + (t.getScales() == null ? 0 : t.getScales().hashCode());
        return RecordViews.key(r) + "@" + r.getTeacherId() + "/" + r.getTeacherVersion() + "@" + r.getProducedAtMs()
                + "#" + field + "#" + content;
    }
}
