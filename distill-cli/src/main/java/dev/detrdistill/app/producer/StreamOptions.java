package dev.detrdistill.app.producer;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.StreamConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;

/**
 * Where the stream lives: the one named by {@link StreamConnection}'s options, or (with neither given) an embedded
 * broker and registry started for the command and stopped after it.
 */
public final class StreamOptions implements AutoCloseable {
    @Mixin
    StreamConnection connection;

    private final List<AutoCloseable> started = new ArrayList<>();

    /** {@code --replication-factor}: empty, the broker's default. */
    public java.util.Optional<Short> replicationFactor() {
        return connection.replicationFactor();
    }

    public RecordSerdes connect() throws IOException {
        AvroTrust.trustRecordClasses();
        if (!connection.given()) {
            System.err.println("starting an embedded Kafka broker and schema registry for this command "
                    + "(records are discarded at exit; use './distill stack' for a broker that stays up)");
            EmbeddedKafka kafka = EmbeddedKafka.start();
            started.add(kafka);
            EmbeddedRegistry registry = EmbeddedRegistry.start();
            started.add(0, registry);
            return new RecordSerdes(kafka.bootstrapServers(), registry.url(), connection.maxRecordBytes());
        }
        return connection.serdes("");
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
        started.clear();
    }
}
