package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drill: the trainer's JVM is killed with SIGKILL after a checkpoint and the job resumed from that checkpoint
 * ({@code --resume-from}) in another JVM; the student's final weights and optimizer state equal an uninterrupted
 * run's, bit for bit.
 *
 * <p>Before {@link RestoreSafeKafkaSource}, about one resumed run in four here never finished: a restored bounded
 * reader was never told that no more splits would come.
 */
@Timeout(240)
class TrainerKillTest {

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    @Test
    void aKilledTrainerResumedFromItsCheckpointEndsBitForBitAsAnUninterruptedOne() throws Exception {
        RecordSerdes serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(12, 0, 48, 1, 3, 41));
        DetectionDataset train = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            TeacherProducer.builder()
                    .serdes(serdes)
                    .topic("kill")
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP32))
                    .views(2)
                    .batchSize(4)
                    .partitions(1)
                    .log(new PrintStream(OutputStream.nullOutputStream()))
                    .build()
                    .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
        }
        Path uninterrupted = tmp.resolve("a");
        TrainerChildMain.job(serdes, "kill", uninterrupted, tmp.resolve("ca"))
                .build()
                .run();

        Path killed = tmp.resolve("b");
        Path checkpoints = tmp.resolve("cb");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-Dai.djl.offline=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        TrainerChildMain.class.getName(),
                        STACK.kafka().bootstrapServers(),
                        STACK.registry().url(),
                        "kill",
                        killed.toString(),
                        checkpoints.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile())
                .start();
        Path metrics = killed.resolve("s/metrics.jsonl");
        long deadline = System.currentTimeMillis() + 120_000;
        Path chk = null;
        while (System.currentTimeMillis() < deadline && child.isAlive()) {
            chk = latestCompleted(checkpoints);
            if (chk != null
                    && Files.exists(metrics)
                    && Files.readAllLines(metrics).size() >= 6) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(
                child.isAlive(),
                "the child was still training when killed: " + Files.readString(tmp.resolve("child.log")));
        child.destroyForcibly(); // SIGKILL: no cancellation, no final checkpoint
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        chk = latestCompleted(checkpoints);
        assertNotNull(chk, "a completed checkpoint before the kill");
        int linesAtKill = Files.readAllLines(metrics).size();

        TrainerChildMain.job(serdes, "kill", killed, checkpoints)
                .resumeFrom(chk.toString())
                .build()
                .run();

        assertArrayEquals(
                Files.readAllBytes(uninterrupted.resolve("s/checkpoint/model.params")),
                Files.readAllBytes(killed.resolve("s/checkpoint/model.params")),
                "weights bit for bit");
        assertArrayEquals(
                Files.readAllBytes(uninterrupted.resolve("s/checkpoint/optimizer.bin")),
                Files.readAllBytes(killed.resolve("s/checkpoint/optimizer.bin")),
                "optimizer state bit for bit");
        System.out.printf(
                "trainer kill drill: SIGKILL after %d metrics lines, resumed from %s; %d steps, weights equal%n",
                linesAtKill,
                chk.getFileName(),
                Checkpoint.readMeta(killed.resolve("s/checkpoint")).step());
    }

    /** The newest chk-N folder that has its _metadata (a completed checkpoint), or null. */
    private static Path latestCompleted(Path root) throws Exception {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.walk(root, 2)) {
            return s.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.exists(p.resolve("_metadata")))
                    .max(Comparator.comparingInt(
                            p -> Integer.parseInt(p.getFileName().toString().substring(4))))
                    .orElse(null);
        }
    }
}
