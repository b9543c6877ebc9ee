package dev.detrdistill.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drill: the broker stops for 20 s in the middle of produce and comes back; every view is on the topic exactly
 * once.
 */
@Timeout(300)
class ProducerOutageTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    @Test
    void everyViewLandsOnceAcrossABrokerRestart() throws Exception {
        RecordSerdes serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(120, 0, 48, 1, 3, 29));
        DetectionDataset ds = DatasetLoader.load(data, "train");
        int views = 2;
        CompletableFuture<ProduceSummary> run = CompletableFuture.supplyAsync(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(1);
                DetrModel teacher = new DetrModel(DetrConfig.builder()
                                .backboneWidths(List.of(8, 16, 16))
                                .hiddenDim(32)
                                .numHeads(4)
                                .ffnDim(64)
                                .encoderLayers(1)
                                .decoderLayers(2)
                                .numQueries(6)
                                .numClasses(3)
                                .decoder(DecoderType.DAB)
                                .imageSize(32)
                                .build())
                        .initializeParameters(m);
                return TeacherProducer.builder()
                        .serdes(serdes)
                        .topic("outage")
                        .teacher("t", 1)
                        .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                        .views(views)
                        .batchSize(2)
                        .partitions(2)
                        .log(QUIET)
                        .build()
                        .run(teacher, ds.classNames(), ds);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Stop the broker once the first records are on the topic.
        long deadline = System.currentTimeMillis() + 60_000;
        while (endOffsets(serdes) < 10 && System.currentTimeMillis() < deadline && !run.isDone()) {
            Thread.sleep(50);
        }
        long before = endOffsets(serdes);
        STACK.kafka().restart(Duration.ofSeconds(20));
        ProduceSummary summary = run.get(240, TimeUnit.SECONDS);
        int expected = ds.images().size() * views;
        assertEquals(expected, summary.produced());

        Map<String, Integer> perKey = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(serdes.rawConsumer("outage-check"))) {
            c.subscribe(List.of("outage"));
            long until = System.currentTimeMillis() + 60_000;
            while (perKey.values().stream().mapToInt(Integer::intValue).sum() < expected
                    && System.currentTimeMillis() < until) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    perKey.merge(r.key(), 1, Integer::sum);
                }
            }
            c.poll(Duration.ofMillis(500)).forEach(r -> perKey.merge(r.key(), 1, Integer::sum));
        }
        assertEquals(expected, perKey.size(), "every view is on the topic");
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "no view twice: " + perKey);
        System.out.printf(
                "producer outage drill: broker down 20 s after %d of %d records; %d keys, each once%n",
                before, expected, perKey.size());
    }

    private static long endOffsets(RecordSerdes serdes) {
        try (Admin admin = Admin.create(serdes.admin())) {
            var parts = List.of(new TopicPartition("outage", 0), new TopicPartition("outage", 1));
            Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
            parts.forEach(p -> spec.put(p, OffsetSpec.latest()));
            return admin.listOffsets(spec).all().get(5, TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
        } catch (Exception e) {
            return 0; // the topic may not exist yet
        }
    }
}
