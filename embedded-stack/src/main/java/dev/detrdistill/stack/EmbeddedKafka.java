package dev.detrdistill.stack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft Kafka broker (broker and controller in one) running inside this JVM: the embedded
 * default and the tests use it instead of Docker. Settings are those that work on a 2-core machine,
 * with record limits raised for teacher records.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Broker-side maximum record batch size; producer and consumer limits follow it. */
    public static final int MAX_MESSAGE_BYTES = dev.detrdistill.stream.RecordSerdes.DEFAULT_MAX_RECORD_BYTES;

    private final Path logDir;
    private final boolean keepLogs;
    private final Properties config;
    private KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(
            Path logDir, boolean keepLogs, Properties config, KafkaRaftServer server, String bootstrapServers) {
        this.logDir = logDir;
        this.keepLogs = keepLogs;
        this.config = config;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Stops the broker, waits {@code downtime}, and starts it again on the same ports and log directory (records kept):
     * the outage drills' broker restart.
     */
    public synchronized void restart(java.time.Duration downtime) throws InterruptedException {
        server.shutdown();
        server.awaitShutdown();
        Thread.sleep(downtime.toMillis());
        server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
        server.startup();
    }

    /** Formats a fresh log directory and starts the broker on free loopback ports. */
    public static EmbeddedKafka start() throws IOException {
        return start(Map.of());
    }

    /**
     * A broker whose client listener takes SASL/PLAIN only, with these users and passwords (the controller listener
     * stays
     * internal): for tests of secured clients.
     */
    public static EmbeddedKafka startWithSaslPlain(Map<String, String> users) throws IOException {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL/PLAIN broker needs at least one user");
        }
        return start(users);
    }

    /**
     * A broker whose log directory survives it: formatted on first use, reused (records kept) when it already holds a
     * broker's logs. The local cluster's broker ({@link StandaloneBroker}).
     */
    public static EmbeddedKafka startPersistent(Path dir, int port, int controllerPort) throws IOException {
        return start(Map.of(), Files.createDirectories(dir), port, controllerPort, true);
    }

    private static EmbeddedKafka start(Map<String, String> saslUsers) throws IOException {
        return start(saslUsers, Files.createTempDirectory("detrdistill-kafka"), freePort(), freePort(), false);
    }

    private static EmbeddedKafka start(
            Map<String, String> saslUsers, Path dir, int port, int controllerPort, boolean persistent)
            throws IOException {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
        String client = saslUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
        p.put("listeners", client + "://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", client + "://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", client);
        if (!saslUsers.isEmpty()) {
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            String broker = saslUsers.keySet().iterator().next();
            jaas.append(" username=\"")
                    .append(broker)
                    .append("\" password=\"")
                    .append(saslUsers.get(broker))
                    .append('"');
            saslUsers.forEach((user, password) -> jaas.append(" user_")
                    .append(user)
                    .append("=\"")
                    .append(password)
                    .append('"'));
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            p.put(
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                    jaas.append(';').toString());
        }
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("num.io.threads", "2");
        p.put("num.network.threads", "2");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        p.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        p.put("socket.request.max.bytes", String.valueOf(2 * MAX_MESSAGE_BYTES));
        Path propsFile = dir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            p.store(out, "embedded KRaft broker");
        }
        boolean formatted = Files.exists(dir.resolve("logs").resolve("meta.properties"));
        if (!formatted) {
            int rc = StorageTool.execute(
                    new String[] {
                        "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(), "--standalone"
                    },
                    new PrintStream(OutputStream.nullOutputStream()));
            if (rc != 0) {
                throw new IOException(
                        "formatting the embedded Kafka log directory " + dir + " failed (exit " + rc + ")");
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(dir, persistent, p, server, "localhost:" + port);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (keepLogs) {
            return;
        }
        try (var walk = Files.walk(logDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + logDir, e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
