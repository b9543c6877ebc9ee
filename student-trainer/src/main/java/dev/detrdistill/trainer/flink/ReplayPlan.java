package dev.detrdistill.trainer.flink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The exact offsets a bounded replay reads, fixed when the job is built: every epoch reads the same
 * records even while the teacher keeps producing, and the record count sets the students' schedules.
 */
public record ReplayPlan(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {

    public long records() {
        long n = 0;
        for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
            n += Math.max(0, end.get(e.getKey()) - e.getValue());
        }
        return n;
    }

    public int partitions() {
        return start.size();
    }

    /** @param adminConfig Admin client settings (bootstrap servers and the stream's security properties) */
    public static ReplayPlan of(Map<String, Object> adminConfig, String topic, StartPosition from) {
        try (Admin admin = Admin.create(adminConfig)) {
            dev.detrdistill.stream.Topics.reach(
                    admin, adminConfig); // an unreachable or secured broker fails fast, named
            Map<String, TopicDescription> d =
                    admin.describeTopics(List.of(topic)).allTopicNames().get();
            List<TopicPartition> parts = d.get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            Map<TopicPartition, Long> end = offsets(admin, parts, OffsetSpec.latest());
            Map<TopicPartition, Long> start =
                    switch (from.kind()) {
                        case EARLIEST -> offsets(admin, parts, OffsetSpec.earliest());
                        case LATEST -> new HashMap<>(end);
                        case TIMESTAMP -> offsets(admin, parts, OffsetSpec.forTimestamp(from.timestampMs()));
                    };
            start.replaceAll(
                    (tp, off) -> off < 0 ? end.get(tp) : off); // no record at or after the time: nothing to read
            return new ReplayPlan(start, end);
        } catch (ExecutionException e) {
            throw new IllegalArgumentException(
                    "cannot read topic " + topic + " on " + adminConfig.get("bootstrap.servers") + ": "
                            + e.getCause().getMessage()
                            + (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException
                                    ? " (produce teacher records to it first: ./distill produce --topic " + topic + ")"
                                    : ""),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading offsets of " + topic, e);
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> parts, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        parts.forEach(p -> req.put(p, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
                admin.listOffsets(req).all().get().entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }
}
