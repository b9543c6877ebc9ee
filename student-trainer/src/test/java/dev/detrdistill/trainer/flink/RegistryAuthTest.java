package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.ProduceSummary;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.RegistryAccess;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that asks who is calling (basic auth, then basic auth over TLS with a self-signed certificate, in front
 * of the embedded one): with {@code --registry-config}'s credentials and trust store the producer's serde and the
 * trainer's decoder work; without them the producer stops with the refusal.
 */
@Timeout(300)
class RegistryAuthTest {
    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path tmp;

    @Test
    void credentialsReachTheSerdeAndTheDecoderAndTheirAbsenceIsNamed() throws Exception {
        try (GuardedRegistryProxy proxy =
                GuardedRegistryProxy.http(STACK.registry().url(), "alice:secret")) {
            RecordSerdes open = new RecordSerdes(
                    STACK.kafka().bootstrapServers(), proxy.url(), RecordSerdes.DEFAULT_MAX_RECORD_BYTES);
            DetectionDataset train = dataset(47);

            Exception without = assertThrows(Exception.class, () -> produce(open, train, "auth-none"));
            assertTrue(proxy.refused.get() > 0, "the registry was asked and refused");
            assertTrue(
                    String.valueOf(without.getMessage()).contains("401")
                            || String.valueOf(without.getCause()).contains("401")
                            || String.valueOf(without).toLowerCase().contains("unauthorized"),
                    String.valueOf(without));

            RecordSerdes authorised = open.withRegistryAccess(new RegistryAccess("alice:secret", null, null, null));
            produceAndTrain(authorised, train, "auth");
            assertTrue(proxy.passed.get() > 0);
        }
    }

    @Test
    void aTrustStoreLetsTheSerdeAndTheDecoderTalkTlsAndItsAbsenceIsNamed() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        GuardedRegistryProxy.selfSigned(certs);
        try (GuardedRegistryProxy proxy =
                GuardedRegistryProxy.https(STACK.registry().url(), "alice:secret", certs.resolve("server.p12"))) {
            RecordSerdes untrusting = new RecordSerdes(
                            STACK.kafka().bootstrapServers(), proxy.url(), RecordSerdes.DEFAULT_MAX_RECORD_BYTES)
                    .withRegistryAccess(new RegistryAccess("alice:secret", null, null, null));
            DetectionDataset train = dataset(53);

            Exception without = assertThrows(Exception.class, () -> produce(untrusting, train, "tls-none"));
            assertEquals(0, proxy.passed.get(), "nothing got through without trusting the certificate");
            assertTrue(
                    chain(without).toLowerCase().contains("certificat")
                            || chain(without).toLowerCase().contains("ssl")
                            || chain(without).toLowerCase().contains("pkix"),
                    chain(without));

            Path config = tmp.resolve("registry.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "basic.auth.user.info=alice:secret",
                            "schema.registry.ssl.truststore.location=" + certs.resolve("trust.p12"),
                            "schema.registry.ssl.truststore.password=" + GuardedRegistryProxy.STORE_PASSWORD,
                            "schema.registry.ssl.truststore.type=PKCS12"));
            RecordSerdes trusting = untrusting.withRegistryAccess(RegistryAccess.read(config));
            assertEquals(4, produce(trusting, train, "tls").produced());
            // The trainer's decoder, as its job runs it (the job's wiring of the access is the test above).
            ConfluentAvroDecoder<dev.detrdistill.records.TeacherRecord> decoder = new ConfluentAvroDecoder<>(
                    proxy.url(), dev.detrdistill.records.TeacherRecord.class, trusting.registryAccess());
            int decoded = 0;
            try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(
                    trusting.rawConsumer("tls-read"))) {
                consumer.subscribe(List.of("tls"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (decoded < 4 && System.currentTimeMillis() < deadline) {
                    for (var r : consumer.poll(Duration.ofMillis(500))) {
                        assertEquals("tls", r.topic());
                        assertTrue(decoder.decode(r.value()).getStages().size() > 0);
                        decoded++;
                    }
                }
            }
            assertEquals(4, decoded, "the decoder fetched the schemas over TLS");
            assertTrue(proxy.passed.get() > 0);
        }
    }

    private void produceAndTrain(RecordSerdes serdes, DetectionDataset train, String topic) throws Exception {
        assertEquals(4, produce(serdes, train, topic).produced());
        TrainerResult result = StudentTrainerJob.builder()
                .serdes(serdes)
                .topic(topic)
                .students(List.of(TeacherFixture.student("s", true, 4, tmp.resolve("out-" + topic), null)))
                .epochs(1)
                .checkpointInterval(Duration.ofSeconds(1))
                .checkpointDir(tmp.resolve("flink-" + topic))
                .log(QUIET)
                .build()
                .run();
        assertEquals(
                4,
                result.students().get("s").get("records").asInt(),
                "the decoder fetched the schemas through the guarded registry");
    }

    private DetectionDataset dataset(long seed) throws Exception {
        Path data =
                SyntheticShapes.generate(tmp.resolve("data" + seed), new SyntheticShapes.Spec(4, 0, 48, 1, 3, seed));
        return DatasetLoader.load(data, "train");
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append(" <- ");
        }
        return b.toString();
    }

    private static ProduceSummary produce(RecordSerdes serdes, DetectionDataset train, String topic) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            return TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                    .views(1)
                    .batchSize(4)
                    .partitions(1)
                    .log(QUIET)
                    .build()
                    .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
        }
    }
}
