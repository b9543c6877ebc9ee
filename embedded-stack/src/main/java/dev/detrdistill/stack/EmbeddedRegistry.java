package dev.detrdistill.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry 2.6 (in-memory storage) as a child JVM: the embedded default's schema registry.
 * Its Confluent-compatible API is at {@link #ccompatUrl()}. The runner is unpacked by the
 * embedded-stack build into {@code embedded-stack/target/registry}; {@code detrdistill.registry.home}
 * points elsewhere.
 */
public final class EmbeddedRegistry implements AutoCloseable {
    private static final String RUNNER = "apicurio-registry-app-2.6.13.Final-runner.jar";
    private Process process;
    private final String baseUrl;
    private final int port;
    private final Path storage;

    private EmbeddedRegistry(int port, Path storage) {
        this.port = port;
        this.storage = storage;
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    /** A registry whose schemas live in memory (gone when it stops): for commands that run their own stack. */
    public static EmbeddedRegistry start() throws IOException {
        return start(null);
    }

    /**
     * A registry whose schemas live in an H2 database under {@code storage}, so schema ids survive a restart (records
     * already in Kafka keep decoding); null: in memory.
     */
    public static EmbeddedRegistry start(Path storage) throws IOException {
        EmbeddedRegistry registry = new EmbeddedRegistry(EmbeddedKafka.freePort(), storage);
        registry.launch();
        return registry;
    }

    private void launch() throws IOException {
        Path log = Files.createTempFile("detrdistill-registry", ".log");
        List<String> cmd = command(port, storage);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        this.process = p;
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        awaitReady(Duration.ofSeconds(180), log); // a loaded 2-core machine can take a minute
    }

    /**
     * The command line of a registry JVM on {@code port} (loopback only) whose schemas live in an H2 database under
     * {@code storage} (null: in memory): how this class and the local cluster start one.
     */
    public static List<String> command(int port, Path storage) throws IOException {
        Path runner = findRunner();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.log.level=WARN"));
        if (storage != null) {
            Files.createDirectories(storage);
            cmd.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:"
                    + storage.toAbsolutePath().resolve("registry") + ";DB_CLOSE_ON_EXIT=FALSE");
        }
        cmd.addAll(List.of("-jar", runner.toString()));
        return cmd;
    }

    /** Stops the registry, waits {@code downtime}, starts it again on the same port and storage: the restart drill. */
    public synchronized void restart(Duration downtime) throws IOException, InterruptedException {
        close();
        Thread.sleep(downtime.toMillis());
        launch();
    }

    static Path findRunner() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("detrdistill.registry.home");
        if (home != null) {
            candidates.add(Path.of(home, RUNNER));
        }
        candidates.add(Path.of("embedded-stack/target/registry", RUNNER));
        candidates.add(Path.of("target/registry", RUNNER));
        candidates.add(Path.of("../embedded-stack/target/registry", RUNNER));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c.toAbsolutePath(); // the cluster starts it from another folder
            }
        }
        throw new IOException("the embedded schema registry is not unpacked (looked for " + candidates
                + "); run 'mvn -pl embedded-stack -am package' or pass --registry-url for an external registry");
    }

    private void awaitReady(Duration timeout, Path log) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the embedded schema registry exited (" + process.exitValue() + "); see " + log);
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the schema registry", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the schema registry", e);
            }
        }
        process.destroyForcibly();
        throw new IOException(
                "the embedded schema registry did not answer within " + timeout.toSeconds() + " s; see " + log);
    }

    /** Base URL of the registry server. */
    public String url() {
        return baseUrl;
    }

    /** The Confluent-compatible API root, e.g. for {@code --registry-url}. */
    public String ccompatUrl() {
        return baseUrl + "/apis/ccompat/v7";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
