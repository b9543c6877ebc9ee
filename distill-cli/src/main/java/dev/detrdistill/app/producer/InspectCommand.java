package dev.detrdistill.app.producer;

import dev.detrdistill.producer.RecordSizer;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.StreamConnection;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Print a teacher record's fields, tensor shapes, encodings and bytes per field.")
public final class InspectCommand implements Callable<Integer> {
    @Option(names = "--topic", required = true, description = "Records topic.")
    String topic;

    @Option(names = "--image", paramLabel = "<id>", description = "Image id to show (default: the first record).")
    String image;

    @Option(names = "--view", defaultValue = "0", description = "View id with --image. Default: ${DEFAULT-VALUE}")
    int view;

    @Mixin
    StreamConnection stream;

    @Override
    public Integer call() throws Exception {
        RecordSerdes serdes = stream.serdes("inspect reads an existing topic");
        try (KafkaConsumer<String, TeacherRecord> c =
                new KafkaConsumer<>(serdes.consumer("inspect-" + System.nanoTime()))) {
            java.util.Set<String> topics = c.listTopics().keySet();
            if (!topics.contains(topic)) {
                List<String> known =
                        topics.stream().filter(t -> !t.startsWith("_")).sorted().toList();
                throw new IllegalArgumentException("topic " + topic + " does not exist on " + serdes.bootstrapServers()
                        + (known.isEmpty()
                                ? "; the broker has no topics"
                                : "; topics there: " + String.join(", ", known)));
            }
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<String, TeacherRecord> r : c.poll(Duration.ofMillis(500))) {
                    TeacherRecord v = r.value();
                    if (image == null || (v.getImageId().equals(image) && v.getViewId() == view)) {
                        print(r);
                        return 0;
                    }
                }
            }
        }
        throw new IllegalArgumentException(
                image == null
                        ? "topic " + topic + " exists but holds no records"
                        : "no record for image " + image + " view " + view + " on " + topic);
    }

    private static void print(ConsumerRecord<String, TeacherRecord> r) {
        TeacherRecord v = r.value();
        System.out.printf(Locale.ROOT, "key %s  partition %d offset %d%n", r.key(), r.partition(), r.offset());
        System.out.printf(
                Locale.ROOT,
                "dataset %s image %s view %d %s%n",
                v.getDatasetId(),
                v.getImageId(),
                v.getViewId(),
                v.getView());
        System.out.printf(
                Locale.ROOT,
                "image %dx%d sha256 %s inline %s%n",
                v.getImage().getWidth(),
                v.getImage().getHeight(),
                v.getImage().getSha256(),
                v.getImage().getEncoded() != null);
        System.out.printf(
                Locale.ROOT,
                "teacher %s v%d, %d stages, ground truth %d boxes%n",
                v.getTeacherId(),
                v.getTeacherVersion(),
                v.getStages().size(),
                v.getGroundTruth().getLabels().size());
        for (int i = 0; i < v.getStages().size(); i++) {
            Stage s = v.getStages().get(i);
            System.out.printf(
                    Locale.ROOT,
                    "  stage %d: logits %s, boxes %s, embeddings %s, mask %s, assigned %d%n",
                    i + 1,
                    describe(s.getLogits()),
                    describe(s.getBoxes()),
                    describe(s.getEmbeddings()),
                    describe(s.getFeatureMask()),
                    s.getAssignedQueries().size());
        }
        System.out.println("  features " + describe(v.getFeatures()));
        for (var level : v.getMoreFeatureLevels()) {
            System.out.println("  more feature level " + describe(level));
        }
        long total = RecordSizer.avroBytes(v);
        System.out.printf(Locale.ROOT, "Avro record %d bytes; payload by field:%n", total);
        RecordSizer.fieldBytes(v)
                .forEach((k, b) ->
                        System.out.printf(Locale.ROOT, "  %-18s %9d bytes %5.1f%%%n", k, b, 100.0 * b / total));
    }

    private static String describe(Tensor t) {
        return t.getShape() + " " + t.getEncoding()
                + (t.getRef() != null ? " (claim check " + t.getRef().getUri() + ")" : "");
    }
}
