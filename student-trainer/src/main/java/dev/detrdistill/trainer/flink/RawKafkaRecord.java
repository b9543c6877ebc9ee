package dev.detrdistill.trainer.flink;

/**
 * A Kafka record as it arrived, before decoding: decoding happens in an operator so that a poison
 * record becomes a dead letter instead of failing the source. A Flink POJO (public fields).
 */
public class RawKafkaRecord {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public String key;
    public byte[] value;
    /** 1-based replay epoch the record was read in (always 1 when live). */
    public int epoch;
    /** When intake began holding it for its teacher card (live mode), else 0. */
    public long heldSinceMs;

    public RawKafkaRecord() {}

    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
