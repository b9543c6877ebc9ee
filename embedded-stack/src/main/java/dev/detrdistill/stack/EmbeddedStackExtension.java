package dev.detrdistill.stack;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.stream.RecordSerdes;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded broker and registry for a test class: started before its first test, stopped after its last.
 * {@code @RegisterExtension static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();}
 */
public final class EmbeddedStackExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> saslUsers;
    private EmbeddedKafka kafka;
    private EmbeddedRegistry registry;

    public EmbeddedStackExtension() {
        this(Map.of());
    }

    /** A broker whose clients must authenticate with SASL/PLAIN as one of these users. */
    public EmbeddedStackExtension(Map<String, String> saslUsers) {
        this.saslUsers = Map.copyOf(saslUsers);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        AvroTrust.trustRecordClasses();
        kafka = saslUsers.isEmpty() ? EmbeddedKafka.start() : EmbeddedKafka.startWithSaslPlain(saslUsers);
        registry = EmbeddedRegistry.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedRegistry registry() {
        return registry;
    }

    /** Serdes for this stack (without client security settings). */
    public RecordSerdes serdes() {
        return RecordSerdes.of(kafka.bootstrapServers(), registry.url());
    }
}
