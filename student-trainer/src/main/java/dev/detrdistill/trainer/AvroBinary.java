package dev.detrdistill.trainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/** Plain Avro binary (no wire-format header) of our generated records: for state and dead letters. */
public final class AvroBinary {
    private AvroBinary() {}

    public static <T> byte[] encode(T value, Class<T> type) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(type).write(value, enc);
        enc.flush();
        return bytes.toByteArray();
    }

    public static <T> T decode(byte[] data, Class<T> type) throws IOException {
        return new SpecificDatumReader<>(type).read(null, DecoderFactory.get().binaryDecoder(data, null));
    }
}
