package dev.detrdistill.trainer;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A student's state as bytes, versioned: the value of its Flink keyed state. Weights, AdamW moments and
 * adapters are DJL's own formats; the card and the partial batch are Avro binary.
 *
 * @param adapters null for a baseline (no distillation)
 */
record SessionSnapshot(
        String student,
        TeacherCard card,
        int plannedSteps,
        int step,
        long records,
        byte[] model,
        byte[] optimizer,
        byte[] adapters,
        List<TeacherRecord> pending,
        long renderNanos,
        long stepNanos) {
    private static final int MAGIC = 0x44445353; // "DDSS"
    private static final int VERSION = 1;

    byte[] write() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(model.length + optimizer.length + 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(student);
            out.writeInt(plannedSteps);
            out.writeInt(step);
            out.writeLong(records);
            out.writeLong(renderNanos);
            out.writeLong(stepNanos);
            writeBlob(out, AvroBinary.encode(card, TeacherCard.class));
            writeBlob(out, model);
            writeBlob(out, optimizer);
            writeBlob(out, adapters);
            out.writeInt(pending.size());
            for (TeacherRecord r : pending) {
                writeBlob(out, AvroBinary.encode(r, TeacherRecord.class));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static SessionSnapshot read(byte[] data) {
        AvroTrust.trustRecordClasses();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalStateException("not a student snapshot (bad magic number)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalStateException(
                        "student snapshot version " + version + " is not supported (this build reads " + VERSION + ")");
            }
            String student = in.readUTF();
            int planned = in.readInt();
            int step = in.readInt();
            long records = in.readLong();
            long render = in.readLong();
            long stepNanos = in.readLong();
            TeacherCard card = AvroBinary.decode(readBlob(in), TeacherCard.class);
            byte[] model = readBlob(in);
            byte[] optimizer = readBlob(in);
            byte[] adapters = readBlob(in);
            int n = in.readInt();
            List<TeacherRecord> pending = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                pending.add(AvroBinary.decode(readBlob(in), TeacherRecord.class));
            }
            return new SessionSnapshot(
                    student, card, planned, step, records, model, optimizer, adapters, pending, render, stepNanos);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt student snapshot: " + e.getMessage(), e);
        }
    }

    private static void writeBlob(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBlob(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        // The snapshot is a byte array: available() is exactly what remains, so a corrupt length fails here.
        if (n > in.available()) {
            throw new IOException("a part declares " + n + " bytes, " + in.available() + " remain");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
