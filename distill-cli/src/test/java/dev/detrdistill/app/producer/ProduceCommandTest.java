package dev.detrdistill.app.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.app.DistillMain;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.stack.EmbeddedStackExtension;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The streaming commands (produce, inspect) against an in-process KRaft broker and the embedded registry. */
class ProduceCommandTest {

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

    private static <T> List<ConsumerRecord<String, T>> readAll(Map<String, Object> config, String topic, int expected) {
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(config)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add); // a little longer, to catch duplicates
        }
        return out;
    }

    /** `produce --teacher <file>` with the transformers exports of tools/export-teacher, TorchScript and ONNX alike. */
    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({
        "detr, pt, 1",
        "detr, onnx, 1",
        "deformable-detr, pt, 3",
        "deformable-detr, onnx, 3",
        "conditional-detr, pt, 1",
        "conditional-detr, onnx, 1"
    })
    void produceCommandPublishesTheRecordsOfAnExportedTeacher(String arch, String format, int levels) throws Exception {
        Path data = tmp.resolve("byo-data");
        if (!Files.isDirectory(data)) {
            SyntheticShapes.generate(data, new SyntheticShapes.Spec(3, 1, 48, 1, 3, 4));
        }
        Path file = Path.of("..", "teacher-producer", "src", "test", "resources", "teachers", arch + "." + format)
                .toAbsolutePath();
        String topic = "byo." + arch + "." + format;
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = DistillMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        cli.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        int code = dev.detrdistill.cli.CommandLines.execute(cli, new String[] {
            "produce",
            "--teacher",
            file.toString(),
            "--image-size",
            "128",
            "--data",
            data.toString(),
            "--topic",
            topic,
            "--views",
            "2",
            "--batch",
            "4",
            "--encoding",
            "fp32",
            "--teacher-id",
            arch,
            "--bootstrap-servers",
            STACK.kafka().bootstrapServers(),
            "--registry-url",
            STACK.registry().url()
        });
        assertEquals(0, code, err.toString());
        RecordSerdes serdes = RecordSerdes.of(
                STACK.kafka().bootstrapServers(), STACK.registry().url());
        List<ConsumerRecord<String, TeacherRecord>> records = readAll(serdes.consumer("byo-" + topic), topic, 6);
        assertEquals(6, records.size(), "3 images x 2 views, once each");
        for (ConsumerRecord<String, TeacherRecord> r : records) {
            assertEquals(3, r.value().getStages().size());
            assertEquals(levels - 1, r.value().getMoreFeatureLevels().size());
            assertEquals(12, TensorCodec.shape(r.value().getStages().get(0).getLogits())[0]);
        }
        TeacherCard card = this.<TeacherCard>readAll(serdes.consumer("byo-card-" + topic), Topics.cardsTopic(topic), 1)
                .get(0)
                .value();
        assertEquals(128, card.getInputSize());
        assertTrue(card.getConfigJson().contains("\"featureLevels\":" + levels), card.getConfigJson());
    }

    @Test
    void inspectNamesAMissingTopicAndListsTheOnesThatExist() throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("inspect.present", 1, (short) 1)))
                    .all()
                    .get();
        }
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = DistillMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = dev.detrdistill.cli.CommandLines.execute(cli, new String[] {
            "inspect",
            "--topic",
            "inspect.absent",
            "--bootstrap-server",
            STACK.kafka().bootstrapServers(),
            "--registry-url",
            STACK.registry().url()
        });
        assertEquals(1, code);
        assertTrue(
                err.toString().contains("topic inspect.absent does not exist")
                        && err.toString().contains("inspect.present"),
                err.toString());
    }
}
