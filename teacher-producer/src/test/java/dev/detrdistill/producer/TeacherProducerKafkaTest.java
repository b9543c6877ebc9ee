package dev.detrdistill.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.Topics;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Produce and consume teacher records against an in-process KRaft broker and the embedded registry. */
class TeacherProducerKafkaTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    private static DetrModel teacher(NDManager m) {
        Engine.getInstance().setRandomSeed(1);
        return new DetrModel(DetrConfig.builder()
                        .backboneWidths(List.of(8, 16, 16))
                        .blocksPerStage(0)
                        .hiddenDim(32)
                        .numHeads(4)
                        .ffnDim(64)
                        .encoderLayers(1)
                        .decoderLayers(2)
                        .numQueries(6)
                        .numClasses(3)
                        .decoder(DecoderType.ANCHOR)
                        .imageSize(32)
                        .build())
                .initializeParameters(m);
    }

    private static <T> List<ConsumerRecord<String, T>> readAll(Map<String, Object> config, String topic, int expected) {
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(config)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(out::add);
            }
            // a little longer, to catch duplicates beyond the expected count
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    @Test
    void producesEveryViewOnceDecodesExactlyAndRoutesBadImagesAside() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(5, 1, 48, 2, 3, 5));
        DetectionDataset ds = DatasetLoader.load(data, "train");
        // one corrupt image: its views go to the dead-letter topic, the rest is produced
        ImageEntry broken = ds.images().get(2);
        Files.write(broken.file(), new byte[] {0, 1, 2, 3});
        RecordSerdes serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        String topic = "teacher.fp32";
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel teacher = teacher(m);
            TeacherProducer producer = TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .teacher("t", 3)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP32))
                    .views(2)
                    .batchSize(3)
                    .log(QUIET)
                    .build();
            ProduceSummary first = producer.run(teacher, ds.classNames(), ds);
            assertEquals(8, first.produced());
            assertEquals(Map.of("unreadable image", 2L), first.deadLetters());

            // A re-run adds nothing: every key is already there. Failed views are retried (the file may have
            // been fixed) and, still broken, reported again.
            ProduceSummary again = producer.run(teacher, ds.classNames(), ds);
            assertEquals(0, again.produced());
            assertEquals(8, again.skipped());
            assertEquals(Map.of("unreadable image", 2L), again.deadLetters());

            List<ConsumerRecord<String, TeacherRecord>> records = readAll(serdes.consumer("it-read"), topic, 8);
            assertEquals(8, records.size(), "exactly one record per view, no duplicates");
            TeacherRecord r = records.stream()
                    .filter(x -> x.key().endsWith("/1"))
                    .findFirst()
                    .orElseThrow()
                    .value();
            assertEquals(2, r.getStages().size());
            Stage s = r.getStages().get(1);
            assertArrayEquals(new int[] {6, 3}, TensorCodec.shape(s.getLogits()));
            assertArrayEquals(new int[] {6, 32}, TensorCodec.shape(s.getEmbeddings()));
            assertArrayEquals(new int[] {32, 4, 4}, TensorCodec.shape(r.getFeatures()));
            assertArrayEquals(new int[] {4, 4}, TensorCodec.shape(s.getFeatureMask()));
            assertEquals(s.getAssignedQueries().size(), s.getAssignedTargets().size());
            assertEquals(
                    r.getGroundTruth().getLabels().size(),
                    s.getAssignedTargets().size(),
                    "every GT box is assigned");

            // The record's view is reproducible: a fresh teacher run on it gives the same tensors. Not bit for bit:
            // the producer ran a batch of 3, this a batch of 1, and batched kernels sum in another order
            // (FP32 encoding itself is exact, see TensorCodecTest).
            ImageEntry entry = ds.images().stream()
                    .filter(e -> e.id().equals(r.getImageId()))
                    .findFirst()
                    .orElseThrow();
            var view = dev.detrdistill.data.ViewTransform.apply(
                    entry, dev.detrdistill.data.ImageCache.read(entry), producer.view(entry.id(), r.getViewId(), 32));
            try (NDManager step = m.newSubManager()) {
                var k = new dev.detrdistill.distill.OnlineTeacher(
                                teacher,
                                new dev.detrdistill.loss.SetCriterion(dev.detrdistill.loss.LossWeights.defaults()))
                        .knowledge(dev.detrdistill.data.Batches.images(step, List.of(view)), List.of(view));
                assertArrayEquals(k.logits().get(1).get(0).toFloatArray(), TensorCodec.decode(s.getLogits()), 1e-4f);
                assertArrayEquals(
                        k.features().get(0).get(0).toFloatArray(),
                        TensorCodec.decode(r.getFeatures()),
                        1e-4f); // level 0, image 0
            }

            // Confluent wire format: magic byte 0, then a 4-byte id the ccompat API resolves to our schema.
            List<ConsumerRecord<String, byte[]>> raw = readAll(serdes.rawConsumer("it-raw"), topic, 8);
            ByteBuffer wire = ByteBuffer.wrap(raw.get(0).value());
            assertEquals(0, wire.get());
            int id = wire.getInt();
            HttpResponse<String> schema = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(STACK.registry().ccompatUrl() + "/schemas/ids/" + id))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, schema.statusCode(), schema.body());
            assertTrue(schema.body().contains("TeacherRecord"), schema.body());

            List<ConsumerRecord<String, TeacherCard>> cards =
                    readAll(serdes.consumer("it-cards"), Topics.cardsTopic(topic), 1);
            TeacherCard card = cards.get(0).value();
            assertEquals("t/3", cards.get(0).key());
            assertArrayEquals(new int[] {6, 4}, TensorCodec.shape(card.getQueryPrior()));
            assertArrayEquals(
                    teacher.getParameters().get("query_prior").getArray().toFloatArray(),
                    TensorCodec.decode(card.getQueryPrior()),
                    0f);

            List<ConsumerRecord<String, byte[]>> dead =
                    readAll(serdes.rawConsumer("it-dlq"), Topics.producerDeadLetters(topic), 4);
            assertEquals(4, dead.size());
            ConsumerRecord<String, byte[]> letter = dead.get(0);
            String reason = dev.detrdistill.stream.DeadLetter.header(letter, dev.detrdistill.stream.DeadLetter.REASON);
            String source = dev.detrdistill.stream.DeadLetter.header(letter, dev.detrdistill.stream.DeadLetter.SOURCE);
            assertEquals("unreadable image", reason);
            assertTrue(source.contains(broken.file().getFileName().toString()), source);
            assertEquals(
                    "producer",
                    dev.detrdistill.stream.DeadLetter.header(letter, dev.detrdistill.stream.DeadLetter.STAGE));
        }
    }

    /**
     * Each registry API registers where it says and writes the same wire format: the Confluent REST API at an
     * Apicurio root (auto), at a Confluent API root given as such (confluent: how Confluent Schema Registry, Karapace
     * or Redpanda are named), and Apicurio's own serde (apicurio-native). Each reads its records back, and every id
     * on the wire resolves through the Confluent API.
     */
    @Test
    void everyRegistryApiRegistersThroughItsApiAndWritesConfluentWireFormat() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data-api"), new SyntheticShapes.Spec(2, 0, 48, 1, 2, 9));
        DetectionDataset ds = DatasetLoader.load(data, "train");
        Map<dev.detrdistill.stream.RegistryApi, String> urls = Map.of(
                dev.detrdistill.stream.RegistryApi.AUTO, STACK.registry().url(),
                dev.detrdistill.stream.RegistryApi.CONFLUENT, STACK.registry().ccompatUrl(),
                dev.detrdistill.stream.RegistryApi.APICURIO_NATIVE,
                        STACK.registry().url());
        HttpClient http = HttpClient.newHttpClient();
        for (var e : urls.entrySet()) {
            String topic = "api-" + e.getKey().name().toLowerCase().replace('_', '-');
            RecordSerdes serdes = RecordSerdes.of(STACK.kafka().bootstrapServers(), e.getValue())
                    .withRegistryAccess(dev.detrdistill.stream.RegistryAccess.NONE.withApi(e.getKey()));
            try (NDManager m = NDManager.newBaseManager()) {
                ProduceSummary s = TeacherProducer.builder()
                        .serdes(serdes)
                        .topic(topic)
                        .teacher("t", 1)
                        .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                        .views(1)
                        .batchSize(2)
                        .log(QUIET)
                        .build()
                        .run(teacher(m), ds.classNames(), ds);
                assertEquals(2, s.produced(), e.getKey().name());
            }
            List<ConsumerRecord<String, TeacherRecord>> back = readAll(serdes.consumer(topic + "-read"), topic, 2);
            assertEquals(2, back.size(), e.getKey() + ": its own deserializer reads the records");
            List<ConsumerRecord<String, byte[]>> raws = readAll(serdes.rawConsumer(topic + "-raw"), topic, 2);
            for (ConsumerRecord<String, byte[]> raw : raws) {
                ByteBuffer wire = ByteBuffer.wrap(raw.value());
                assertEquals(0, wire.get(), "magic byte");
                HttpResponse<String> schema = http.send(
                        HttpRequest.newBuilder(
                                        URI.create(STACK.registry().ccompatUrl() + "/schemas/ids/" + wire.getInt()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, schema.statusCode(), e.getKey() + ": " + schema.body());
            }
            HttpResponse<String> subjects = http.send(
                    HttpRequest.newBuilder(URI.create(STACK.registry().ccompatUrl() + "/subjects"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(subjects.body().contains("\"" + topic + "-value\""), e.getKey() + ": " + subjects.body());
        }
    }

    @Test
    void smallerEncodingsShrinkRecordsAndOversizedRecordsGoByClaimCheck() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data2"), new SyntheticShapes.Spec(3, 1, 48, 2, 3, 6));
        DetectionDataset ds = DatasetLoader.load(data, "train");
        Map<TensorEncoding, Double> sizes = new HashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel teacher = teacher(m);
            for (TensorEncoding e : TensorEncoding.values()) {
                ProduceSummary s = TeacherProducer.builder()
                        .serdes(RecordSerdes.of(
                                STACK.kafka().bootstrapServers(),
                                STACK.registry().url()))
                        .topic("enc." + e)
                        .encodings(EncodingPolicy.uniform(e))
                        .log(QUIET)
                        .build()
                        .run(teacher, ds.classNames(), ds);
                assertEquals(3, s.produced());
                sizes.put(e, s.fieldBytes().get("features") / 3.0);
            }
            assertEquals(sizes.get(TensorEncoding.FP32) / 2, sizes.get(TensorEncoding.FP16), 1e-9);
            assertTrue(sizes.get(TensorEncoding.INT8) < sizes.get(TensorEncoding.FP16) * 0.75);

            // A limit below the record size: without a claim check the records are dead-lettered, with one they go by
            // reference.
            RecordSerdes tight = new RecordSerdes(
                    STACK.kafka().bootstrapServers(), STACK.registry().url(), 4096);
            ProduceSummary refused = TeacherProducer.builder()
                    .serdes(tight)
                    .topic("tight.a")
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP32))
                    .log(QUIET)
                    .build()
                    .run(teacher, ds.classNames(), ds);
            assertEquals(3L, refused.deadLetters().get("record over size limit"));
            ProduceSummary checked = TeacherProducer.builder()
                    .serdes(tight)
                    .topic("tight.b")
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP32))
                    .claimCheckDir(tmp.resolve("claims"))
                    .log(QUIET)
                    .build()
                    .run(teacher, ds.classNames(), ds);
            assertEquals(3, checked.claimChecked());
            List<ConsumerRecord<String, TeacherRecord>> recs = readAll(tight.consumer("it-tight"), "tight.b", 3);
            TeacherRecord r = recs.get(0).value();
            assertTrue(r.getFeatures().getRef() != null);
            assertArrayEquals(new int[] {32, 4, 4}, TensorCodec.shape(r.getFeatures()));
            assertEquals(32 * 4 * 4, TensorCodec.decode(ClaimCheck.resolve(r.getFeatures())).length);
        }
    }

    @Test
    void nextSchemaVersionsAreBackwardCompatibleAndABreakingChangeIsCaught() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        // Register the current versions under their subjects (as the serializer's topic strategy names them).
        for (String[] s : new String[][] {
            {"compat-TeacherRecord", "TeacherRecord.avsc"}, {"compat-TeacherCard", "TeacherCard.avsc"}
        }) {
            registerBackward(http, json, s[0], currentSchema(s[1]));
        }
        assertTrue(compatible(http, json, "compat-TeacherRecord", "TeacherRecord-v2.avsc"));
        assertTrue(compatible(http, json, "compat-TeacherCard", "TeacherCard-v2.avsc"));
        assertTrue(
                !compatible(http, json, "compat-TeacherRecord", "TeacherRecord-breaking.avsc"),
                "a new required field breaks old readers");
    }

    @Test
    void currentSchemasAreBackwardCompatibleWithThePreviousVersions() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        for (String[] s :
                new String[][] {{"prev-TeacherRecord", "TeacherRecord"}, {"prev-TeacherCard", "TeacherCard"}}) {
            String previous = new String(TeacherProducerKafkaTest.class
                    .getResourceAsStream("/schemas-previous/" + s[1] + "-v1.avsc")
                    .readAllBytes());
            registerBackward(http, json, s[0], previous);
            HttpResponse<String> r = post(
                    http,
                    STACK.registry().ccompatUrl() + "/compatibility/subjects/" + s[0] + "/versions/latest",
                    currentSchema(s[1] + ".avsc"),
                    json);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(
                    json.readTree(r.body()).get("is_compatible").asBoolean(),
                    s[1] + " v2 must read v1 records: " + r.body());
        }
    }

    /**
     * Registers {@code schema} under {@code subject} (Confluent REST API) and sets the subject to BACKWARD
     * compatibility.
     */
    private static void registerBackward(HttpClient http, ObjectMapper json, String subject, String schema)
            throws Exception {
        HttpResponse<String> r =
                post(http, STACK.registry().ccompatUrl() + "/subjects/" + subject + "/versions", schema, json);
        assertEquals(200, r.statusCode(), r.body());
        r = http.send(
                HttpRequest.newBuilder(URI.create(STACK.registry().ccompatUrl() + "/config/" + subject))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static String currentSchema(String file) throws Exception {
        if (file.equals("TeacherRecord.avsc")) {
            return TeacherRecord.getClassSchema().toString();
        }
        return TeacherCard.getClassSchema().toString();
    }

    private static boolean compatible(HttpClient http, ObjectMapper json, String subject, String resource)
            throws Exception {
        String schema = new String(TeacherProducerKafkaTest.class
                .getResourceAsStream("/schemas-next/" + resource)
                .readAllBytes());
        HttpResponse<String> r = post(
                http,
                STACK.registry().ccompatUrl() + "/compatibility/subjects/" + subject + "/versions/latest",
                schema,
                json);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json.readTree(r.body());
        return body.get("is_compatible").asBoolean();
    }

    private static HttpResponse<String> post(HttpClient http, String url, String schema, ObjectMapper json)
            throws Exception {
        String body = json.writeValueAsString(Map.of("schema", schema));
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
