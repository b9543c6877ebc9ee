package dev.detrdistill.stream;

import picocli.CommandLine.Option;

/**
 * The options that name a stream, declared once for every command that connects to one: {@code --bootstrap-servers}
 * (also Kafka's own spelling {@code --bootstrap-server}), {@code --registry-url} and {@code --max-record-bytes}.
 */
public final class StreamConnection {
    @Option(
            names = {"--bootstrap-servers", "--bootstrap-server"},
            paramLabel = "<host:port,...>",
            description = "Kafka bootstrap servers ('./distill stack' prints the embedded ones).")
    String bootstrapServers;

    @Option(
            names = "--registry-url",
            paramLabel = "<url>",
            description = "Schema registry base URL (Apicurio: http://host:port; Confluent-compatible API under "
                    + "/apis/ccompat/v7).")
    String registryUrl;

    @Option(
            names = "--max-record-bytes",
            defaultValue = "16777216",
            description = "Largest record the producer sends (max.request.size) and consumers fetch. Default: "
                    + "${DEFAULT-VALUE}")
    int maxRecordBytes = RecordSerdes.DEFAULT_MAX_RECORD_BYTES;

    @Option(
            names = "--kafka-config",
            paramLabel = "<file.properties>",
            description =
                    "Kafka client properties (security.protocol, sasl.*, ssl.*) for every client: producer, consumers, "
                            + "admin, the trainer's Kafka source and sink; as Kafka's own tools take --command-config.")
    java.nio.file.Path kafkaConfig;

    @Option(
            names = "--registry-config",
            paramLabel = "<file.properties>",
            description = "Registry credentials and trust (Confluent's keys: basic.auth.user.info=user:password, "
                    + "schema.registry.ssl.truststore.location/.password/.type) for the producer's serde "
                    + "and the trainer's decoder.")
    java.nio.file.Path registryConfig;

    @Option(
            names = "--registry-api",
            defaultValue = "auto",
            paramLabel = "<auto|confluent|apicurio-native>",
            description = "How schemas are registered and looked up: auto (the Confluent REST API; a URL without a "
                    + "path is Apicurio's root, its Confluent API under /apis/ccompat/v7), confluent (the URL is a "
                    + "Confluent API root: Confluent Schema Registry, Karapace, Redpanda) or apicurio-native "
                    + "(Apicurio's own serde for the producer). Default: ${DEFAULT-VALUE}")
    String registryApi = "auto";

    @Option(
            names = "--replication-factor",
            paramLabel = "<n>",
            description = "Replication factor of the topics this command creates. Default: the broker's "
                    + "(default.replication.factor)")
    Short replicationFactor;

    /** {@code --replication-factor}, or empty: topics take the broker's default. */
    public java.util.Optional<Short> replicationFactor() {
        if (replicationFactor != null && (replicationFactor < 1 || replicationFactor > 32)) {
            throw new IllegalArgumentException("--replication-factor must be 1..32, got " + replicationFactor);
        }
        return java.util.Optional.ofNullable(replicationFactor);
    }

    /** The client properties of {@code --kafka-config} (none without it); a missing file or a bad line is named. */
    public java.util.Map<String, String> kafkaProperties() {
        if (kafkaConfig == null) {
            return java.util.Map.of();
        }
        java.util.Properties p = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(kafkaConfig)) {
            p.load(in);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--kafka-config " + kafkaConfig + " cannot be read: " + e.getMessage(), e);
        }
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        for (String ours : java.util.List.of(
                "bootstrap.servers", "key.serializer", "value.serializer", "key.deserializer", "value.deserializer")) {
            if (out.containsKey(ours)) {
                throw new IllegalArgumentException("--kafka-config " + kafkaConfig + " sets " + ours
                        + "; give the servers with --bootstrap-servers, serializers are the project's own");
            }
        }
        return out;
    }

    /** True when both the broker and the registry are named; one without the other is an error. */
    public boolean given() {
        if ((bootstrapServers == null) != (registryUrl == null)) {
            throw new IllegalArgumentException("give both --bootstrap-servers and --registry-url, or neither");
        }
        if (maxRecordBytes < 1024 || maxRecordBytes > 1 << 30) {
            throw new IllegalArgumentException("--max-record-bytes must be 1024..1073741824, got " + maxRecordBytes);
        }
        return bootstrapServers != null;
    }

    /** The serdes of the named stream; {@code whyNeeded} completes the message when none is named. */
    public RecordSerdes serdes(String whyNeeded) {
        if (!given()) {
            throw new IllegalArgumentException("give --bootstrap-servers and --registry-url: " + whyNeeded);
        }
        return new RecordSerdes(
                bootstrapServers,
                registryUrl,
                maxRecordBytes,
                kafkaProperties(),
                (registryConfig == null ? RegistryAccess.NONE : RegistryAccess.read(registryConfig))
                        .withApi(RegistryApi.parse(registryApi)));
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }
}
