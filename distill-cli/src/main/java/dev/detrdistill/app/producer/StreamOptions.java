package dev.detrdistill.app.producer;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stream.RecordSerdes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the stream lives: an external Kafka and Confluent-compatible registry, or (with neither given)
 * an embedded broker and registry started for the command and stopped after it.
 */
public final class StreamOptions implements AutoCloseable {
    @Option(names = {"--bootstrap-servers", "--bootstrap-server"}, paramLabel = "<host:port,...>",
            description = "Kafka bootstrap servers. Without it (and --registry-url) an embedded broker runs for this command only.")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "<url>",
            description = "Schema registry base URL (Apicurio: http://host:port; Confluent-compatible API under /apis/ccompat/v7).")
    String registryUrl;

    @Option(names = "--max-record-bytes", defaultValue = "16777216",
            description = "Largest record the producer sends (max.request.size) and consumers fetch. Default: ${DEFAULT-VALUE}")
    int maxRecordBytes;

    private final List<AutoCloseable> started = new ArrayList<>();

    public RecordSerdes connect() throws IOException {
        AvroTrust.trustRecordClasses();
        if ((bootstrapServers == null) != (registryUrl == null)) {
            throw new IllegalArgumentException("give both --bootstrap-servers and --registry-url, or neither (embedded)");
        }
        if (bootstrapServers == null) {
            System.err.println("starting an embedded Kafka broker and schema registry for this command "
                    + "(records are discarded at exit; use './distill stack' for a broker that stays up)");
            EmbeddedKafka kafka = EmbeddedKafka.start();
            started.add(kafka);
            EmbeddedRegistry registry = EmbeddedRegistry.start();
            started.add(0, registry);
            return new RecordSerdes(kafka.bootstrapServers(), registry.url(), maxRecordBytes);
        }
        return new RecordSerdes(bootstrapServers, registryUrl, maxRecordBytes);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
        started.clear();
    }
}
