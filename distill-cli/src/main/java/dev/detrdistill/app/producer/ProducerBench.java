package dev.detrdistill.app.producer;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.ProduceSummary;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "producer",
        mixinStandardHelpOptions = true,
        description =
                "Produce a split once per encoding (fp32, fp16, int8) and print bytes per record by field and the "
                        + "producer's overhead.")
public final class ProducerBench implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "<checkpoint>", description = "Teacher checkpoint.")
    Path teacher;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "val", description = "Split to produce. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--batch", defaultValue = "8", description = "Views per forward pass. Default: ${DEFAULT-VALUE}")
    int batch;

    @Mixin
    StreamOptions stream;

    @Override
    public Integer call() throws Exception {
        System.out.println(dev.detrdistill.progress.MachineFacts.current().describe());
        CheckpointMeta meta = Checkpoint.readMeta(teacher);
        DetectionDataset ds = data.load(split);
        try (StreamOptions started = stream;
                NDManager manager = dev.detrdistill.model.Devices.newManager()) {
            var serdes = started.connect();
            DetrModel model = Checkpoint.loadModel(teacher, manager);
            for (TensorEncoding e : TensorEncoding.values()) {
                String topic = "bench.producer." + e.name().toLowerCase(Locale.ROOT) + "." + System.currentTimeMillis();
                ProduceSummary s = TeacherProducer.builder()
                        .serdes(serdes)
                        .topic(topic)
                        .encodings(EncodingPolicy.uniform(e))
                        .batchSize(batch)
                        .log(new PrintStream(OutputStream.nullOutputStream()))
                        .build()
                        .run(model, meta.classNames(), ds);
                System.out.printf(
                        Locale.ROOT,
                        "producer encoding=%s records=%d mean_record_bytes=%.0f inference_s=%.2f encode_s=%.2f "
                                + "send_s=%.2f overhead_pct=%.1f records_per_s=%.1f%n",
                        e,
                        s.produced(),
                        s.meanRecordBytes(),
                        s.inferenceSeconds(),
                        s.encodeSeconds(),
                        s.sendSeconds(),
                        100 * s.overhead(),
                        s.produced() / wall(s));
                System.out.print(s.render());
            }
        }
        return 0;
    }

    private static double wall(ProduceSummary s) {
        return Math.max(1e-9, s.wallSeconds());
    }
}
