package dev.detrdistill.trainer.flink;

import dev.detrdistill.stream.DeadLetter;
import org.apache.flink.util.OutputTag;

/**
 * A record the job could not train on, with why and where it came from, as it travels the job's side output
 * (a Flink POJO); written to the trainer's dead-letter topic as a {@link DeadLetter} with the original bytes as
 * the value (never dropped).
 */
public class RefusedRecord {
    public static final OutputTag<RefusedRecord> TAG = new OutputTag<>(
            "dead-letters", org.apache.flink.api.common.typeinfo.TypeInformation.of(RefusedRecord.class));

    /** Short, stable category: dead letters are counted by it. */
    public String reason;
    /** What and where, for a person. */
    public String detail;
    /** Which part of the job refused it: intake, cards, or student:&lt;name&gt;. */
    public String stage;

    public String topic;
    public int partition;
    public long offset;
    public String key;
    /** The original value: wire-format bytes from intake, Avro binary of the decoded record from a student. */
    public byte[] value;

    public String valueFormat;

    public RefusedRecord() {}

    public static RefusedRecord of(RawKafkaRecord raw, String stage, String reason, String detail) {
        RefusedRecord d = new RefusedRecord();
        d.reason = reason;
        d.detail = detail;
        d.stage = stage;
        d.topic = raw.topic;
        d.partition = raw.partition;
        d.offset = raw.offset;
        d.key = raw.key;
        d.value = raw.value;
        d.valueFormat = "confluent-avro";
        return d;
    }

    /** The project's one dead-letter format. */
    public DeadLetter toDeadLetter() {
        return new DeadLetter(key, value, valueFormat, reason, detail, stage, topic + "-" + partition + "@" + offset);
    }

    @Override
    public String toString() {
        return "dead letter [" + reason + "] from " + stage + " " + topic + "-" + partition + "@" + offset + ": "
                + detail;
    }
}
