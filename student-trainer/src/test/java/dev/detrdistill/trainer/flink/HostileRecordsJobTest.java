package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.records.TensorRef;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.DeadLetter;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.Topics;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input through the real job: valid records mutated at random with a fixed seed (bit flips and truncation of
 * the wire bytes, shapes that overflow or go negative, image URIs of every scheme and of files the job must not read,
 * NaN and infinities, out-of-range views, labels and assignments, claim checks that point nowhere, unknown teachers).
 * The job finishes; every record is trained or a dead letter with a reason, and the counts add up.
 */
@Timeout(600)
class HostileRecordsJobTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final int MUTATED = 2000;
    private static RecordSerdes serdes;

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    @BeforeAll
    static void start() throws Exception {
        serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
    }

    /** What a mutation did, for the message when something does not add up. */
    private record Sent(String key, String kind) {}

    @Test
    void everyMutatedRecordIsTrainedOrADeadLetterWithAReason() throws Exception {
        String topic = "fuzz";
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(8, 0, 48, 1, 3, 21));
        DetectionDataset train = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            TeacherProducer.builder()
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
        List<ConsumerRecord<String, byte[]>> wire = read(topic, 8);
        List<TeacherRecord> valid = new ArrayList<>();
        try (KafkaConsumer<String, Object> c = new KafkaConsumer<>(serdes.consumer("fuzz-valid"))) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (valid.size() < 8 && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(r -> valid.add((TeacherRecord) r.value()));
            }
        }
        assertEquals(8, valid.size());

        SplittableRandom rnd = new SplittableRandom(20261128L);
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(
                        "bootstrap.servers",
                        STACK.kafka().bootstrapServers(),
                        "key.serializer",
                        StringSerializer.class.getName(),
                        "value.serializer",
                        ByteArraySerializer.class.getName()));
                KafkaProducer<String, Object> avro = new KafkaProducer<>(serdes.producer("fuzz"))) {
            for (int i = 0; i < MUTATED; i++) {
                int source = rnd.nextInt(valid.size());
                int kind = i % 10;
                String key = String.format("fuzz-%04d", i);
                if (kind < 2) {
                    byte[] bytes = wire.get(source).value().clone();
                    String what = kind == 0 ? flipBits(bytes, rnd) : "truncated";
                    if (kind == 1) {
                        bytes = java.util.Arrays.copyOf(bytes, rnd.nextInt(bytes.length));
                    }
                    raw.send(new ProducerRecord<>(topic, key, bytes));
                    sent.add(new Sent(key, what));
                } else {
                    TeacherRecord r =
                            TeacherRecord.newBuilder(valid.get(source)).build();
                    r.setImageId(key); // every record its own key, so each can be accounted for
                    String what = mutate(r, kind, rnd);
                    avro.send(new ProducerRecord<>(topic, key, r));
                    sent.add(new Sent(key, what));
                }
            }
            raw.flush();
            avro.flush();
        }
        int total = valid.size() + MUTATED;

        Path out = tmp.resolve("students");
        TrainerResult result = StudentTrainerJob.builder()
                .serdes(serdes)
                .topic(topic)
                .students(List.of(TeacherFixture.student("s", true, 8, out, null)))
                .epochs(1)
                .checkpointInterval(Duration.ofSeconds(2))
                .checkpointDir(tmp.resolve("flink"))
                .log(QUIET)
                .build()
                .run();

        long trained = result.students().get("s").get("records").asLong();
        long dead = result.deadLetters().values().stream()
                .mapToLong(Long::longValue)
                .sum();
        assertEquals(total, trained + dead, "every record trained or refused, once: " + result.deadLetters());
        assertTrue(trained >= valid.size() + MUTATED / 10, "the untouched copies were trained: " + trained);
        for (String reason : List.of(
                "corrupt Avro",
                "shape mismatch",
                "non-finite tensor",
                "reference refused",
                "missing referenced file",
                "no teacher card",
                "invalid ground truth",
                "unreadable image")) {
            assertTrue(result.deadLetters().getOrDefault(reason, 0L) > 0, reason + " among " + result.deadLetters());
        }
        assertFalse(
                result.deadLetters().containsKey("unexpected error"),
                "every refusal has a specific reason: " + result.deadLetters());

        // The dead letters are on their topic, each with its reason; none echoes the hash of a file a record named.
        List<ConsumerRecord<String, byte[]>> letters = read(Topics.trainerDeadLetters(topic), (int) dead);
        assertEquals(dead, letters.size());
        Map<String, Long> reasons = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> l : letters) {
            String reason = DeadLetter.header(l, DeadLetter.REASON);
            assertFalse(reason == null || reason.isBlank(), "a reason on " + l.key());
            reasons.merge(reason, 1L, Long::sum);
            String detail = DeadLetter.header(l, DeadLetter.DETAIL);
            assertFalse(detail.contains("/etc/hostname") && detail.matches(".*[0-9a-f]{64}.*"), detail);
        }
        assertEquals(new TreeMap<>(result.deadLetters()), reasons);
        System.out.printf(
                "fuzz: %d records, %d trained, %d dead letters %s; mutations %s%n",
                total,
                trained,
                dead,
                reasons,
                sent.stream()
                        .collect(java.util.stream.Collectors.groupingBy(
                                Sent::kind, TreeMap::new, java.util.stream.Collectors.counting())));
    }

    private static String flipBits(byte[] bytes, SplittableRandom rnd) {
        int flips = 1 + rnd.nextInt(3);
        for (int f = 0; f < flips; f++) {
            int at = rnd.nextInt(bytes.length);
            bytes[at] ^= (byte) (1 << rnd.nextInt(8));
        }
        return "bit flips";
    }

    /** One structured mutation of {@code r} (a deep copy); returns its name. */
    private static String mutate(TeacherRecord r, int kind, SplittableRandom rnd) {
        Stage stage = r.getStages().get(rnd.nextInt(r.getStages().size()));
        switch (kind) {
            case 2 -> {
                Tensor t = pick(r, stage, rnd);
                List<List<Integer>> shapes = List.of(
                        List.of(16, 65536, 65536),
                        List.of(-1, 4),
                        List.of(3),
                        List.of(65536, 65536, 65536, 2),
                        List.of(0, 4),
                        List.of(7, 7, 7));
                t.setShape(new ArrayList<>(shapes.get(rnd.nextInt(shapes.size()))));
                return "shape";
            }
            case 3 -> {
                List<String> uris = List.of(
                        "http://example.com/x.png",
                        "jar:file:/tmp/x.jar!/a.png",
                        "file:/etc/hostname",
                        "file:/dev/zero",
                        "file:/nonexistent/x.png",
                        "s3://bucket/x.png",
                        "not a uri ^^",
                        "file:" + tmp.resolve("absent.png"));
                r.getImage().setEncoded(null);
                r.getImage().setUri(uris.get(rnd.nextInt(uris.size())));
                return "image uri";
            }
            case 4 -> {
                Tensor t = rnd.nextBoolean()
                        ? stage.getEmbeddings()
                        : r.getGroundTruth().getBoxes();
                ByteBuffer b = ByteBuffer.allocate(t.getData().remaining()).order(ByteOrder.LITTLE_ENDIAN);
                b.put(t.getData().duplicate()).flip();
                short[] specials = {0x7E00, 0x7C00, (short) 0xFC00};
                b.putShort(2 * rnd.nextInt(b.capacity() / 2), specials[rnd.nextInt(specials.length)]);
                t.setData(b);
                return "nan or infinity";
            }
            case 5 -> {
                int which = rnd.nextInt(5);
                if (which == 0) {
                    r.getView().setScaledSize(rnd.nextBoolean() ? -5 : Integer.MAX_VALUE);
                } else if (which == 1) {
                    r.getView().setOffsetX(rnd.nextBoolean() ? Integer.MIN_VALUE : 1 << 20);
                } else if (which == 2) {
                    List<Integer> labels = new ArrayList<>(r.getGroundTruth().getLabels());
                    if (labels.isEmpty()) {
                        r.getView().setOutputSize(-1);
                    } else {
                        labels.set(0, rnd.nextBoolean() ? -3 : 1_000_000);
                        r.getGroundTruth().setLabels(labels);
                    }
                } else if (which == 3) {
                    r.getImage().setWidth(0);
                } else {
                    r.getView().setOutputSize(rnd.nextBoolean() ? 0 : 99_999);
                }
                return "numbers out of range";
            }
            case 6 -> {
                Tensor t = rnd.nextBoolean() ? r.getFeatures() : stage.getFeatureMask();
                List<String> uris = List.of(
                        "file:/etc/hostname",
                        "file:/dev/zero",
                        "file:" + tmp.resolve("gone.bin"),
                        "http://x/y.bin",
                        "file:/proc/self/environ");
                t.setData(ByteBuffer.allocate(0));
                t.setRef(TensorRef.newBuilder()
                        .setUri(uris.get(rnd.nextInt(uris.size())))
                        .setSha256("00".repeat(32))
                        .setLength(rnd.nextInt(1 << 16))
                        .build());
                return "claim check";
            }
            case 7 -> {
                if (rnd.nextBoolean()) {
                    r.setTeacherVersion(1000 + rnd.nextInt(1000));
                } else {
                    r.setTeacherId("unknown-" + rnd.nextInt(100));
                }
                return "unknown teacher";
            }
            case 8 -> {
                List<Integer> q = new ArrayList<>(stage.getAssignedQueries());
                if (q.isEmpty()) {
                    stage.setAssignedTargets(List.of(0));
                } else {
                    q.set(0, rnd.nextBoolean() ? -1 : 9999);
                    stage.setAssignedQueries(q);
                }
                return "assignment out of range";
            }
            default -> {
                return "untouched copy";
            }
        }
    }

    private static Tensor pick(TeacherRecord r, Stage stage, SplittableRandom rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> r.getFeatures();
            case 1 -> stage.getLogits();
            case 2 -> stage.getBoxes();
            case 3 -> stage.getFeatureMask();
            default -> r.getGroundTruth().getBoxes();
        };
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(serdes.rawConsumer("fuzz-read-" + topic))) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
