package dev.detrdistill.stream;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka client settings for our records: Apicurio's Avro serdes writing the Confluent wire format
 * (magic byte 0, 4-byte schema id, Avro binary; ids are the registry's content ids, the ones its
 * {@code /apis/ccompat} API serves), string keys, and record-size limits that fit teacher records.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param registryUrl the registry's base URL (Apicurio: {@code http://host:port}); the serde uses its
 *     {@code /apis/registry/v2} API and Confluent clients its {@code /apis/ccompat/v7} API
 * @param kafkaProperties Kafka client properties every client the project builds takes ({@code --kafka-config}:
 *     security protocol, SASL, TLS), as Kafka's own tools take {@code --command-config}
 * @param registryAccess credentials and trust for the registry ({@code --registry-config})
 */
public record RecordSerdes(
        String bootstrapServers,
        String registryUrl,
        int maxRecordBytes,
        Map<String, String> kafkaProperties,
        RegistryAccess registryAccess)
        implements java.io.Serializable {
    public RecordSerdes {
        kafkaProperties = Map.copyOf(kafkaProperties);
        registryAccess = registryAccess == null ? RegistryAccess.NONE : registryAccess;
    }

    public RecordSerdes(String bootstrapServers, String registryUrl, int maxRecordBytes) {
        this(bootstrapServers, registryUrl, maxRecordBytes, Map.of(), RegistryAccess.NONE);
    }

    /** The same stream with these client properties (security settings) for every client. */
    public RecordSerdes withKafkaProperties(Map<String, String> properties) {
        return new RecordSerdes(bootstrapServers, registryUrl, maxRecordBytes, properties, registryAccess);
    }

    /** The same stream with credentials and trust for the registry ({@code --registry-config}). */
    public RecordSerdes withRegistryAccess(RegistryAccess access) {
        return new RecordSerdes(bootstrapServers, registryUrl, maxRecordBytes, kafkaProperties, access);
    }

    /** Settings of an Admin client: the bootstrap servers and the client properties. */
    public Map<String, Object> admin() {
        Map<String, Object> m = new HashMap<>(kafkaProperties);
        m.put("bootstrap.servers", bootstrapServers);
        return m;
    }

    /** The client properties over {@code base}: security settings join, serializers and limits stay ours. */
    private Map<String, Object> secured(Map<String, Object> base) {
        Map<String, Object> m = new HashMap<>(kafkaProperties);
        m.putAll(base);
        return m;
    }

    /**
     * The largest record by default (16 MiB): producer max.request.size, consumer fetch limits, topic
     * max.message.bytes.
     */
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

    public static RecordSerdes of(String bootstrapServers, String registryUrl) {
        return new RecordSerdes(bootstrapServers, registryUrl, DEFAULT_MAX_RECORD_BYTES);
    }

    private Map<String, Object> registry() {
        Map<String, Object> m = new HashMap<>();
        m.put("apicurio.registry.url", registryUrl.replaceAll("/+$", "") + "/apis/registry/v2");
        m.putAll(registryAccess.serdeConfig());
        return m;
    }

    /** The Confluent REST API root the serde and the trainer's decoder use. */
    public String confluentRegistryRoot() {
        return registryAccess.api().confluentRoot(registryUrl);
    }

    /** Idempotent, lz4-compressed producer of Avro values (specific records). */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> m = new HashMap<>();
        if (registryAccess.api() == RegistryApi.APICURIO_NATIVE) {
            m.putAll(registry());
            m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName());
            m.put("apicurio.registry.auto-register", "true");
            m.put("apicurio.registry.find-latest", "true");
        } else {
            m.put(ConfluentAvroSerde.CLIENT, new ConfluentRegistryClient(confluentRegistryRoot(), registryAccess));
            m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ConfluentAvroSerde.AvroSerializer.class.getName());
        }
        m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        m.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        m.put(ProducerConfig.ACKS_CONFIG, "all");
        m.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        m.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        m.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes);
        return secured(m);
    }

    /**
     * A transactional producer of Avro values: {@code initTransactions} with this id fences any earlier producer
     * holding it (a second run of the same teacher version on the same topic, or one killed mid-run whose open
     * transaction is then aborted), so each key is written once.
     */
    public Map<String, Object> transactionalProducer(String clientId, String transactionalId) {
        Map<String, Object> m = new HashMap<>(producer(clientId));
        m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        m.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000);
        return m;
    }

    /** Producer of raw key and value bytes (dead letters). */
    public Map<String, Object> rawProducer(String clientId) {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        m.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        m.put(ProducerConfig.ACKS_CONFIG, "all");
        return secured(m);
    }

    /** Consumer that decodes values into the generated record classes. */
    public Map<String, Object> consumer(String groupId) {
        Map<String, Object> m = new HashMap<>(rawConsumer(groupId));
        if (registryAccess.api() == RegistryApi.APICURIO_NATIVE) {
            m.putAll(registry());
            m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroKafkaDeserializer.class.getName());
            m.put("apicurio.registry.use-specific-avro-reader", "true");
        } else {
            m.put(ConfluentAvroSerde.CLIENT, new ConfluentRegistryClient(confluentRegistryRoot(), registryAccess));
            m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConfluentAvroSerde.AvroDeserializer.class.getName());
        }
        return secured(m);
    }

    /** Consumer of raw value bytes (key scans, dead letters, wire-format checks). */
    public Map<String, Object> rawConsumer(String groupId) {
        Map<String, Object> m = new HashMap<>();
        m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        m.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        m.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxRecordBytes);
        m.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(maxRecordBytes, 52_428_800));
        m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return secured(m);
    }
}
