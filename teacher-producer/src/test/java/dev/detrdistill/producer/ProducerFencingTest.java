package dev.detrdistill.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.TopicScan;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly one record per key whatever happens to producers: a producer JVM killed with SIGKILL mid-run and run again,
 * two producers racing on one topic (Kafka transactions fence the older one), a retrained teacher (v2) produced beside
 * v1, and a different card under an existing version refused.
 */
@Timeout(300)
class ProducerFencingTest {
    private static RecordSerdes serdes;
    private static Path data;

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    @BeforeAll
    static void start() throws Exception {
        serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(30, 0, 48, 1, 3, 31));
    }

    @Test
    void aProducerKilledMidRunAndRunAgainLeavesEachKeyOnce() throws Exception {
        String topic = "killed";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-Dai.djl.offline=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        SlowProducerMain.class.getName(),
                        STACK.kafka().bootstrapServers(),
                        STACK.registry().url(),
                        data.toString(),
                        topic)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile())
                .start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (committed(topic).size() < 8 && System.currentTimeMillis() < deadline && child.isAlive()) {
            Thread.sleep(100);
        }
        assertTrue(child.isAlive(), "the child was still producing when killed");
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, an open transaction left behind
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        int before = committed(topic).size();

        ProduceSummary again = SlowProducerMain.produce(serdes, data, topic, 0);
        Map<String, Integer> keys = committed(topic);
        assertEquals(60, keys.size(), "every view of 30 images x 2");
        assertTrue(keys.values().stream().allMatch(n -> n == 1), "each once: " + keys);
        assertEquals(60 - before, again.produced(), "the re-run produced what was missing, and only that");
        System.out.printf(
                "kill drill: killed after %d committed records; the re-run produced %d; 60 keys, each once%n",
                before, again.produced());
    }

    @Test
    void twoProducersRacingOnOneTopicLeaveEachKeyOnceAndAChangedTeacherNeedsANewVersion() throws Exception {
        String topic = "race";
        CompletableFuture<ProduceSummary> first = CompletableFuture.supplyAsync(() -> run(topic, 100));
        long deadline = System.currentTimeMillis() + 60_000;
        while (committed(topic).size() < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        ProduceSummary second = run(topic, 0); // fences the first, then fills in what is missing
        CompletionException fenced = assertThrows(CompletionException.class, first::join);
        assertTrue(
                fenced.getCause().getMessage().contains("took over"),
                fenced.getCause().getMessage());
        Map<String, Integer> keys = committed(topic);
        assertEquals(60, keys.size());
        assertTrue(keys.values().stream().allMatch(n -> n == 1), "each once: " + keys);
        assertTrue(second.produced() < 60, "the second found the first's committed records: " + second.produced());

        // A different teacher under the same version is refused; a new version is produced beside the old one.
        DetectionDataset ds = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(99);
            DetrModel other = new DetrModel(SlowProducerMain.teacher(m).config()).initializeParameters(m);
            IllegalStateException changed = assertThrows(
                    IllegalStateException.class, () -> producer(topic, 1).run(other, ds.classNames(), ds));
            assertTrue(
                    changed.getMessage().contains("already has a different card")
                            && changed.getMessage().contains("--teacher-version"),
                    changed.getMessage());
            ProduceSummary v2 = producer(topic, 2).run(other, ds.classNames(), ds);
            assertEquals(60, v2.produced(), "v2 is produced, not taken for v1's records");
        }
        assertEquals(120, committed(topic).size());
    }

    private static ProduceSummary run(String topic, long pauseMs) {
        try {
            return SlowProducerMain.produce(serdes, data, topic, pauseMs);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private static TeacherProducer producer(String topic, int version) {
        return TeacherProducer.builder()
                .serdes(serdes)
                .topic(topic)
                .teacher("t", version)
                .views(2)
                .batchSize(2)
                .partitions(2)
                .log(new PrintStream(OutputStream.nullOutputStream()))
                .build();
    }

    /** Committed records per key (read_committed), read to the end. */
    private static Map<String, Integer> committed(String topic) {
        Map<String, Integer> keys = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(serdes.rawConsumer("check-" + System.nanoTime()))) {
            if (!c.listTopics().containsKey(topic)) {
                return keys;
            }
            TopicScan.open(c, topic, Duration.ofSeconds(60))
                    .forEach(Duration.ofSeconds(20), r -> keys.merge(r.key(), 1, Integer::sum));
        }
        return keys;
    }
}
