package dev.detrdistill.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where a local cluster lives and listens. Everything is under {@code home} ({@code runs/cluster} by default):
 * {@code kafka/} (the broker's log directory), {@code registry/} (the registry's H2 database), {@code flink/conf}
 * (Flink's {@code config.yaml}), {@code flink/checkpoints}, {@code logs/} (one file per process) and {@code pids/}.
 * The ports are written to {@code cluster.properties} by {@code up} so that {@code status}, {@code down} and
 * {@code flink} find them.
 *
 * @param taskManagers TaskManager JVMs
 * @param slots task slots per TaskManager
 */
public record ClusterLayout(
        Path home,
        int brokerPort,
        int controllerPort,
        int registryPort,
        int restPort,
        int rpcPort,
        int taskManagers,
        int slots) {
    public static final String HOST = "127.0.0.1";

    public ClusterLayout {
        home = home.toAbsolutePath().normalize();
        if (taskManagers < 1 || taskManagers > 8) {
            throw new IllegalArgumentException("taskManagers must be 1..8, got " + taskManagers);
        }
        if (slots < 1 || slots > 16) {
            throw new IllegalArgumentException("slots must be 1..16, got " + slots);
        }
    }

    /** The defaults of {@code ./distill cluster up}: the usual ports of each service, two TaskManagers of 2 slots. */
    public static ClusterLayout defaults(Path home) {
        return new ClusterLayout(home, 9092, 9093, 8085, 8081, 6123, 2, 2);
    }

    public Path conf() {
        return home.resolve("flink/conf");
    }

    public Path checkpoints() {
        return home.resolve("flink/checkpoints");
    }

    public Path logs() {
        return home.resolve("logs");
    }

    public Path pids() {
        return home.resolve("pids");
    }

    public Path kafkaData() {
        return home.resolve("kafka");
    }

    public Path registryData() {
        return home.resolve("registry");
    }

    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    public String registryUrl() {
        return "http://" + HOST + ":" + registryPort;
    }

    public String restUrl() {
        return "http://" + HOST + ":" + restPort;
    }

    /** Writes the ports so that later commands find this cluster. */
    public void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("broker.port", String.valueOf(brokerPort));
        p.setProperty("controller.port", String.valueOf(controllerPort));
        p.setProperty("registry.port", String.valueOf(registryPort));
        p.setProperty("rest.port", String.valueOf(restPort));
        p.setProperty("rpc.port", String.valueOf(rpcPort));
        p.setProperty("taskmanagers", String.valueOf(taskManagers));
        p.setProperty("slots", String.valueOf(slots));
        Files.createDirectories(home);
        try (OutputStream out = Files.newOutputStream(home.resolve("cluster.properties"))) {
            p.store(out, "local cluster (./distill cluster up)");
        }
    }

    /** The layout {@code up} saved under {@code home}; a clear error when there is none. */
    public static ClusterLayout load(Path home) throws IOException {
        Path file = home.resolve("cluster.properties");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no local cluster under " + home.toAbsolutePath()
                    + " (no cluster.properties): run ./distill cluster up");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return new ClusterLayout(
                home,
                Integer.parseInt(p.getProperty("broker.port")),
                Integer.parseInt(p.getProperty("controller.port")),
                Integer.parseInt(p.getProperty("registry.port")),
                Integer.parseInt(p.getProperty("rest.port")),
                Integer.parseInt(p.getProperty("rpc.port")),
                Integer.parseInt(p.getProperty("taskmanagers")),
                Integer.parseInt(p.getProperty("slots")));
    }
}
