package dev.detrdistill.trainer.flink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Passes Kafka records on undecoded, tagged with their replay epoch; it never fails on content. */
final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawKafkaRecord> {
    private static final long serialVersionUID = 1L;
    private final int epoch;

    RawRecordDeserializer(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawKafkaRecord> out) {
        RawKafkaRecord r = new RawKafkaRecord();
        r.topic = record.topic();
        r.partition = record.partition();
        r.offset = record.offset();
        r.timestamp = record.timestamp();
        r.key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        r.value = record.value();
        r.epoch = epoch;
        out.collect(r);
    }

    @Override
    public TypeInformation<RawKafkaRecord> getProducedType() {
        return TypeInformation.of(RawKafkaRecord.class);
    }
}
