package dev.detrdistill.trainer.flink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Dead letters as Kafka records: the original key and value, and why and where in headers. */
final class DeadLetterSerialization implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    DeadLetterSerialization(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders h = new RecordHeaders();
        h.add("reason", utf8(d.reason));
        h.add("detail", utf8(d.detail));
        h.add("stage", utf8(d.stage));
        h.add("source", utf8(d.topic + "-" + d.partition + "@" + d.offset));
        h.add("value-format", utf8(d.valueFormat));
        return new ProducerRecord<>(topic, null, timestamp, d.key == null ? null : utf8(d.key), d.value, h);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
