package dev.detrdistill.trainer.flink;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Refused records to the trainer's dead-letter topic, in the project's one format ({@link
 * dev.detrdistill.stream.DeadLetter}).
 */
final class DeadLetterSerialization implements KafkaRecordSerializationSchema<RefusedRecord> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    DeadLetterSerialization(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(RefusedRecord d, KafkaSinkContext context, Long timestamp) {
        return d.toDeadLetter().toProducerRecord(topic, timestamp);
    }
}
