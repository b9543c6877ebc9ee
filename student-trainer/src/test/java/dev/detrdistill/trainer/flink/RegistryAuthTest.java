package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.sun.net.httpserver.HttpServer;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.RegistryAccess;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that asks who is calling (basic auth in front of the embedded one): with {@code --registry-config}'s
 * credentials the producer's serde and the trainer's decoder work; without them the producer stops with the refusal.
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
        String expected =
                "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger passed = new AtomicInteger();
        HttpClient upstream = HttpClient.newHttpClient();
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            try (exchange) {
                if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    refused.incrementAndGet();
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                passed.incrementAndGet();
                byte[] body = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder forward = HttpRequest.newBuilder(
                                URI.create(STACK.registry().url() + exchange.getRequestURI()))
                        .method(
                                exchange.getRequestMethod(),
                                body.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((k, v) -> {
                    if (!Set.of("host", "content-length", "connection", "authorization", "upgrade", "expect")
                            .contains(k.toLowerCase())) {
                        v.forEach(x -> forward.header(k, x));
                    }
                });
                HttpResponse<byte[]> r = upstream.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().firstValue("Content-Type").ifPresent(ct -> exchange.getResponseHeaders()
                        .add("Content-Type", ct));
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
        try {
            String url = "http://127.0.0.1:" + proxy.getAddress().getPort();
            RecordSerdes open =
                    new RecordSerdes(STACK.kafka().bootstrapServers(), url, RecordSerdes.DEFAULT_MAX_RECORD_BYTES);
            RecordSerdes authorised = open.withRegistryAccess(new RegistryAccess("alice:secret", null, null, null));
            Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(4, 0, 48, 1, 3, 47));
            DetectionDataset train = DatasetLoader.load(data, "train");

            Exception without = assertThrows(Exception.class, () -> produce(open, train, "auth-none"));
            assertTrue(refused.get() > 0, "the registry was asked and refused");
            assertTrue(
                    String.valueOf(without.getMessage()).contains("401")
                            || String.valueOf(without.getCause()).contains("401")
                            || String.valueOf(without).toLowerCase().contains("unauthorized"),
                    String.valueOf(without));

            assertEquals(4, produce(authorised, train, "auth").produced());
            TrainerResult result = StudentTrainerJob.builder()
                    .serdes(authorised)
                    .topic("auth")
                    .students(List.of(TeacherFixture.student("s", true, 4, tmp.resolve("out"), null)))
                    .epochs(1)
                    .checkpointInterval(Duration.ofSeconds(1))
                    .checkpointDir(tmp.resolve("flink"))
                    .log(QUIET)
                    .build()
                    .run();
            assertEquals(
                    4,
                    result.students().get("s").get("records").asInt(),
                    "the decoder fetched the schemas with the credentials");
            assertTrue(passed.get() > 0);
        } finally {
            proxy.stop(0);
        }
    }

    private static dev.detrdistill.producer.ProduceSummary produce(
            RecordSerdes serdes, DetectionDataset train, String topic) throws Exception {
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
