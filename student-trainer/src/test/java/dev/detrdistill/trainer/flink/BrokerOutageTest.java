package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drill: the broker goes away for 15 s while the trainer replays; the job waits, resumes, trains each record
 * once.
 */
@Timeout(300)
class BrokerOutageTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    @Test
    void theTrainerWaitsOutABrokerRestartAndTrainsEveryRecordOnce() throws Exception {
        RecordSerdes serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(12, 0, 48, 1, 3, 17));
        DetectionDataset train = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            TeacherProducer.builder()
                    .serdes(serdes)
                    .topic("outage")
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                    .views(2)
                    .batchSize(4)
                    .partitions(2)
                    .log(QUIET)
                    .build()
                    .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
        }
        Path out = tmp.resolve("out");
        int epochs = 3;
        CompletableFuture<TrainerResult> job = CompletableFuture.supplyAsync(() -> {
            try {
                return StudentTrainerJob.builder()
                        .serdes(serdes)
                        .topic("outage")
                        .students(List.of(TeacherFixture.student("s", true, 1, out, null)))
                        .epochs(epochs)
                        .checkpointInterval(Duration.ofSeconds(1))
                        .checkpointDir(tmp.resolve("flink"))
                        .log(QUIET)
                        .build()
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path metrics = out.resolve("s/metrics.jsonl");
        long deadline = System.currentTimeMillis() + 120_000;
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 3)
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(metrics), "the student started");
        long t0 = System.nanoTime();
        STACK.kafka().restart(Duration.ofSeconds(15));
        TrainerResult result = job.get(240, TimeUnit.SECONDS);
        double wait = (System.nanoTime() - t0) / 1e9;
        long records = 24L * epochs;
        assertEquals(
                records, result.students().get("s").get("records").asLong(), "each record of each epoch trained once");
        assertEquals(0, result.deadLetterCount());
        System.out.printf(
                "broker outage drill: 15 s down; job finished %.1f s after the stop; %d records trained, 0 dead "
                        + "letters%n",
                wait, records);
    }
}
