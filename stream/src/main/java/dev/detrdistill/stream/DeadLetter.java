package dev.detrdistill.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one dead-letter format of the project, written by the producer ({@code <topic>.dlq}) and the trainer
 * ({@code <topic>.trainer.dlq}) alike: the original key, the original value bytes when there are any (none
 * for an image the producer could not read), and why and where in headers.
 *
 * @param key the record key ({@link RecordKeys#view}), or the original Kafka key
 * @param value the original bytes, or null when there were none
 * @param valueFormat what the value is: {@code confluent-avro} (wire format as read), {@code avro-binary}
 *     (a decoded record re-encoded), or {@code none}
 * @param reason a short, stable category (dead letters are counted by it)
 * @param detail what and where, for a person
 * @param stage which part refused it: {@code producer}, {@code intake}, {@code cards}, {@code student:<name>}
 * @param source where it came from: {@code topic-partition@offset}, or the image file
 */
public record DeadLetter(
        String key, byte[] value, String valueFormat, String reason, String detail, String stage, String source) {
    public static final String REASON = "reason";
    public static final String DETAIL = "detail";
    public static final String STAGE = "stage";
    public static final String SOURCE = "source";
    public static final String VALUE_FORMAT = "value-format";

    /** The Kafka record for {@code topic}; {@code timestamp} may be null (the producer's clock). */
    public ProducerRecord<byte[], byte[]> toProducerRecord(String topic, Long timestamp) {
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, utf8(reason));
        h.add(DETAIL, utf8(detail));
        h.add(STAGE, utf8(stage));
        h.add(SOURCE, utf8(source));
        h.add(VALUE_FORMAT, utf8(value == null ? "none" : valueFormat));
        return new ProducerRecord<>(topic, null, timestamp, key == null ? null : utf8(key), value, h);
    }

    /** A header of a dead letter read back, or null. */
    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
