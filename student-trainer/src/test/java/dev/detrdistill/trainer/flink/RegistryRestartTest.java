package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drill: the registry restarts between producing and training. Its schemas live in a file database, so the ids
 * in the records already on the topic still resolve, and the job decodes and trains every record.
 */
@Timeout(300)
class RegistryRestartTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path tmp;

    @Test
    void schemaIdsSurviveARegistryRestartAndRecordsStillDecode() throws Exception {
        AvroTrust.trustRecordClasses();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedRegistry registry = EmbeddedRegistry.start(tmp.resolve("registry-db"))) {
            RecordSerdes serdes = RecordSerdes.of(kafka.bootstrapServers(), registry.url());
            Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(4, 0, 48, 1, 3, 43));
            DetectionDataset train = DatasetLoader.load(data, "train");
            try (NDManager m = NDManager.newBaseManager()) {
                TeacherProducer.builder()
                        .serdes(serdes)
                        .topic("reg")
                        .teacher("t", 1)
                        .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                        .views(2)
                        .batchSize(4)
                        .partitions(1)
                        .log(QUIET)
                        .build()
                        .run(TeacherFixture.teacher(m, train.numClasses()), train.classNames(), train);
            }
            int id = schemaId(serdes);

            registry.restart(Duration.ofSeconds(2));

            HttpResponse<String> schema = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/schemas/ids/" + id))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, schema.statusCode(), "schema id " + id + " after the restart: " + schema.body());
            TrainerResult result = StudentTrainerJob.builder()
                    .serdes(serdes)
                    .topic("reg")
                    .students(List.of(TeacherFixture.student("s", true, 4, tmp.resolve("out"), null)))
                    .epochs(1)
                    .checkpointInterval(Duration.ofSeconds(1))
                    .checkpointDir(tmp.resolve("flink"))
                    .log(QUIET)
                    .build()
                    .run();
            assertEquals(8, result.students().get("s").get("records").asInt(), "every record decoded and trained");
            assertEquals(0, result.deadLetterCount());
        }
    }

    /** The schema id in the first record's Confluent wire header. */
    private static int schemaId(RecordSerdes serdes) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(serdes.rawConsumer("reg-id"))) {
            c.subscribe(List.of("reg"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    return ByteBuffer.wrap(r.value(), 1, 4).getInt();
                }
            }
        }
        throw new AssertionError("no record on reg");
    }
}
