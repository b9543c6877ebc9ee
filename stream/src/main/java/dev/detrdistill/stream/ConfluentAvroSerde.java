package dev.detrdistill.stream;

import dev.detrdistill.records.AvroTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde of our Avro records in Confluent's wire format (magic byte 0, 4-byte schema id, Avro binary) through
 * the Confluent REST API of any compatible registry. Subjects follow Confluent's default, {@code <topic>-value}.
 * Configured with {@link #CLIENT} (a {@link ConfluentRegistryClient}) among the Kafka client's settings.
 */
public final class ConfluentAvroSerde {
    /** The Kafka client setting that carries the registry client. */
    public static final String CLIENT = "detrdistill.registry.confluent.client";

    private ConfluentAvroSerde() {}

    private static ConfluentRegistryClient client(Map<String, ?> configs) {
        Object c = configs.get(CLIENT);
        if (!(c instanceof ConfluentRegistryClient client)) {
            throw new IllegalArgumentException(CLIENT + " is not set to a ConfluentRegistryClient");
        }
        return client;
    }

    /** Registers the record's schema under {@code <topic>-value} (cached) and writes the framed bytes. */
    public static final class AvroSerializer implements Serializer<SpecificRecord> {
        private ConfluentRegistryClient registry;

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            registry = client(configs);
        }

        @Override
        public byte[] serialize(String topic, SpecificRecord record) {
            if (record == null) {
                return null;
            }
            Schema schema = record.getSchema();
            int id;
            try {
                id = registry.register(topic + "-value", schema);
            } catch (IllegalStateException e) {
                // A Kafka exception, so the producer fails the send (and aborts its transaction) at once.
                throw new SerializationException(e.getMessage(), e);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            out.write(0);
            out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            try {
                new SpecificDatumWriter<SpecificRecord>(schema).write(record, enc);
                enc.flush();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot write " + schema.getFullName() + " for " + topic, e);
            }
            return out.toByteArray();
        }
    }

    /** Reads the framed bytes into the generated record class named by the writer schema. */
    public static final class AvroDeserializer implements Deserializer<SpecificRecord> {
        private ConfluentRegistryClient registry;

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            registry = client(configs);
            AvroTrust.trustRecordClasses();
        }

        @Override
        public SpecificRecord deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            if (data.length < 5 || data[0] != 0) {
                throw new SerializationException(
                        topic + ": not Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)");
            }
            int id = ByteBuffer.wrap(data, 1, 4).getInt();
            Schema writer;
            try {
                writer = registry.schema(id);
            } catch (IllegalStateException e) {
                throw new SerializationException(e.getMessage(), e);
            }
            Class<?> type = SpecificData.get().getClass(writer);
            if (type == null) {
                throw new SerializationException(topic + ": schema id " + id + " (" + writer.getFullName()
                        + ") is not one of this project's record classes");
            }
            Schema reader = SpecificData.get().getSchema(type);
            try {
                return new SpecificDatumReader<SpecificRecord>(writer, reader)
                        .read(null, DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(topic + ": schema id " + id + ": cannot decode: " + e, e);
            }
        }
    }
}
