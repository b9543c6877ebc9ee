package dev.detrdistill.stream;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from its beginning to the end offsets it has now (the keys already produced, the cards published):
 * every partition assigned, no consumer group offsets used.
 */
public final class TopicScan<K, V> {
    private final KafkaConsumer<K, V> consumer;
    private final List<TopicPartition> parts;
    private final Map<TopicPartition, Long> end;

    private TopicScan(KafkaConsumer<K, V> consumer, List<TopicPartition> parts, Map<TopicPartition, Long> end) {
        this.consumer = consumer;
        this.parts = parts;
        this.end = end;
    }

    /** Assigns every partition of {@code topic} at its beginning; {@code metadataTimeout} bounds finding them. */
    public static <K, V> TopicScan<K, V> open(KafkaConsumer<K, V> consumer, String topic, Duration metadataTimeout) {
        List<TopicPartition> parts = consumer.partitionsFor(topic, metadataTimeout).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return new TopicScan<>(consumer, parts, consumer.endOffsets(parts));
    }

    /** Offsets to read (records and, on transactional topics, their markers). */
    public long total() {
        return end.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Hands every record up to the end offsets to {@code each}; stops early after {@code limit} (null: no limit). */
    public void forEach(Duration limit, Consumer<ConsumerRecord<K, V>> each) {
        long deadline = limit == null ? Long.MAX_VALUE : System.currentTimeMillis() + limit.toMillis();
        while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(each);
        }
    }
}
