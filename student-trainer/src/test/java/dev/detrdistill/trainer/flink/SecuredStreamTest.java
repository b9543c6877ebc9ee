package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured cluster: the embedded broker takes SASL/PLAIN clients only. With the client properties ({@code
 * --kafka-config}) the producer and the Flink job (source, sink, admin, card lookup) work; without them the producer
 * stops within seconds with a message that names the likely cause.
 */
@Timeout(300)
class SecuredStreamTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK =
            new EmbeddedStackExtension(Map.of("admin", "admin-secret", "alice", "alice-secret"));

    @Test
    void producerAndTrainerWorkWithTheClientSettingsAndFailClearlyWithout() throws Exception {
        Map<String, String> alice = Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "PLAIN",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
                        + "password=\"alice-secret\";");
        RecordSerdes secured = RecordSerdes.of(
                        STACK.kafka().bootstrapServers(), STACK.registry().url())
                .withKafkaProperties(alice);
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(4, 0, 48, 1, 3, 5));
        DetectionDataset train = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            var summary = TeacherProducer.builder()
                    .serdes(secured)
                    .topic("secured")
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                    .views(1)
                    .batchSize(4)
                    .partitions(1)
                    .log(QUIET)
                    .build()
                    .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
            assertEquals(4, summary.produced());
        }
        TrainerResult result = StudentTrainerJob.builder()
                .serdes(secured)
                .topic("secured")
                .students(List.of(TeacherFixture.student("s", true, 4, tmp.resolve("out"), null)))
                .epochs(1)
                .checkpointInterval(Duration.ofSeconds(1))
                .checkpointDir(tmp.resolve("flink"))
                .log(QUIET)
                .build()
                .run();
        assertEquals(4, result.students().get("s").get("records").asInt());

        RecordSerdes plain = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            try (NDManager m = NDManager.newBaseManager()) {
                TeacherProducer.builder()
                        .serdes(plain)
                        .topic("secured")
                        .teacher("t", 1)
                        .log(QUIET)
                        .build()
                        .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
            }
        });
        assertTrue(e.getMessage().contains("--kafka-config"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 60, "failed fast");
    }
}
