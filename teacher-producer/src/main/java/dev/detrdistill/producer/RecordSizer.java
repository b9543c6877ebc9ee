package dev.detrdistill.producer;

import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.TensorCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/** Measures records: total Avro size, and bytes per field group (for the summary and inspect). */
public final class RecordSizer {
    private static final SpecificDatumWriter<TeacherRecord> WRITER = new SpecificDatumWriter<>(TeacherRecord.class);

    private RecordSizer() {}

    /** Avro binary size of the record (the wire size is 5 bytes more, before compression). */
    public static long avroBytes(TeacherRecord r) {
        long[] count = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try {
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(counter, null);
            WRITER.write(r, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return count[0];
    }

    /** Payload bytes per field group, summed over stages. */
    public static Map<String, Long> fieldBytes(TeacherRecord r) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("image", (long)
                (r.getImage().getEncoded() == null
                        ? 0
                        : r.getImage().getEncoded().remaining()));
        m.put(
                "groundTruth",
                (long) TensorCodec.payloadBytes(r.getGroundTruth().getBoxes())
                        + 4L * r.getGroundTruth().getLabels().size());
        long logits = 0;
        long boxes = 0;
        long emb = 0;
        long assign = 0;
        long masks = 0;
        for (Stage s : r.getStages()) {
            logits += TensorCodec.payloadBytes(s.getLogits());
            boxes += TensorCodec.payloadBytes(s.getBoxes());
            emb += TensorCodec.payloadBytes(s.getEmbeddings());
            assign +=
                    4L * (s.getAssignedQueries().size() + s.getAssignedTargets().size());
            masks += TensorCodec.payloadBytes(s.getFeatureMask());
            for (var t : s.getMoreFeatureMasks()) {
                masks += TensorCodec.payloadBytes(t);
            }
        }
        m.put("stage.logits", logits);
        m.put("stage.boxes", boxes);
        m.put("stage.embeddings", emb);
        m.put("stage.assignments", assign);
        m.put("stage.featureMask", masks);
        long features = TensorCodec.payloadBytes(r.getFeatures());
        for (var t : r.getMoreFeatureLevels()) {
            features += TensorCodec.payloadBytes(t);
        }
        m.put("features", features);
        return m;
    }
}
