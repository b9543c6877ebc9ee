package dev.detrdistill.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Creates the topics a teacher needs, with the settings they need: records (size limit, retention),
 * cards (compacted: one card per teacher version forever), dead letters. Existing topics are left as
 * they are.
 */
public final class Topics {
    private Topics() {}

    public static String cardsTopic(String recordsTopic) {
        return recordsTopic + ".cards";
    }

    /**
     * The producer's dead letters (images it could not read, non-finite teacher output, records over the size limit).
     */
    public static String producerDeadLetters(String recordsTopic) {
        return recordsTopic + ".dlq";
    }

    /** The trainer's dead letters (records it could not train on). Both hold {@link DeadLetter}s. */
    public static String trainerDeadLetters(String recordsTopic) {
        return recordsTopic + ".trainer.dlq";
    }

    /**
     * @param replication the replication factor of created topics; empty: the broker's default
     * @param retentionMs record retention; -1 keeps teacher output forever (replay is the point)
     */
    public static void ensure(
            Map<String, Object> adminConfig,
            String recordsTopic,
            int partitions,
            Optional<Short> replication,
            long retentionMs,
            int maxMessageBytes) {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = reach(admin, adminConfig);
            List<NewTopic> create = new ArrayList<>();
            if (!existing.contains(recordsTopic)) {
                create.add(new NewTopic(recordsTopic, Optional.of(partitions), replication)
                        .configs(Map.of(
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes),
                                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retentionMs),
                                TopicConfig.COMPRESSION_TYPE_CONFIG, "producer")));
            }
            if (!existing.contains(cardsTopic(recordsTopic))) {
                create.add(new NewTopic(cardsTopic(recordsTopic), Optional.of(1), replication)
                        .configs(Map.of(
                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT,
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                String.valueOf(maxMessageBytes))));
            }
            if (!existing.contains(producerDeadLetters(recordsTopic))) {
                create.add(new NewTopic(producerDeadLetters(recordsTopic), Optional.of(1), replication));
            }
            if (!create.isEmpty()) {
                admin.createTopics(create).all().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create topics for " + recordsTopic + " on " + adminConfig.get("bootstrap.servers") + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    /** How long a first contact with the broker may take before the command stops with a message. */
    public static final long REACH_TIMEOUT_SECONDS = 20;

    /**
     * The broker's topic names, or a clear error when it cannot be reached in {@link #REACH_TIMEOUT_SECONDS}: a secured
     * cluster refuses clients without its security settings silently, so name the likely cause.
     */
    public static Set<String> reach(Admin admin, Map<String, Object> adminConfig)
            throws InterruptedException, ExecutionException {
        try {
            return admin.listTopics().names().get(REACH_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            admin.close(java.time.Duration.ZERO); // do not wait out the call's own (longer) timeout
            boolean secured = adminConfig.containsKey("security.protocol");
            throw new IllegalStateException(
                    "the Kafka broker at " + adminConfig.get("bootstrap.servers") + " did not answer within "
                            + REACH_TIMEOUT_SECONDS + " s"
                            + (secured
                                    ? " (is it up, and are the --kafka-config security settings right?)"
                                    : " (is it up? a cluster that requires SASL or TLS needs its client settings: "
                                            + "--kafka-config <file>)"));
        }
    }
}
