package dev.detrdistill.app.producer;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.producer.CheckpointTeacher;
import dev.detrdistill.producer.TeacherRunner;
import dev.detrdistill.producer.exported.ExportedTeacher;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.ProduceSummary;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Run a teacher once per image view and publish its knowledge (TeacherRecord) to Kafka,",
            "with its TeacherCard on <topic>.cards and bad input on <topic>.dlq."})
public final class ProduceCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "<checkpoint|file.pt|file.onnx>",
            description = "Teacher checkpoint folder (from train), or a TorchScript (.pt) or ONNX (.onnx) file following docs/bring-your-own-teacher.md.")
    Path teacher;

    @Option(names = "--image-size", paramLabel = "<px>", description = "Input side in pixels of a TorchScript or ONNX teacher, the size it was exported for (checkpoints know theirs).")
    Integer imageSize;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "train", description = "Split to produce. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--topic", required = true, description = "Records topic (created with the settings it needs if absent).")
    String topic;

    @Option(names = "--views", defaultValue = "1", description = "Views per image: view 0 plain, 1.. seeded flips/scale jitter. Default: ${DEFAULT-VALUE}")
    int views;

    @Option(names = "--encoding", defaultValue = "fp16",
            description = "fp32, fp16 or int8 for all tensor fields, or per field: logits=fp32,embeddings=fp16,features=int8,masks=int8. Default: ${DEFAULT-VALUE}")
    String encoding;

    @Option(names = "--batch", defaultValue = "8", description = "Views per teacher forward pass. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--teacher-id", defaultValue = "teacher", description = "Teacher id in records and card. Default: ${DEFAULT-VALUE}")
    String teacherId;

    @Option(names = "--teacher-version", defaultValue = "1", description = "Teacher version. Default: ${DEFAULT-VALUE}")
    int teacherVersion;

    @Option(names = "--claim-check-dir", paramLabel = "<dir>", description = "Records over --max-record-bytes keep features and masks in files here.")
    Path claimCheckDir;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of a new records topic. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--retention-ms", defaultValue = "-1", description = "Retention of a new records topic (-1 = forever, for replay). Default: ${DEFAULT-VALUE}")
    long retentionMs;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the augmented views. Default: ${DEFAULT-VALUE}")
    long seed;

    @Mixin
    StreamOptions stream;

    @picocli.CommandLine.Mixin
    dev.detrdistill.cli.DeviceOption device;

    @Override
    public Integer call() throws Exception {
        device.apply();
        boolean exported = java.nio.file.Files.isRegularFile(teacher);
        DetectionDataset ds = data.load(split);
        java.util.List<String> classes = ds.classNames();
        if (!exported) {
            CheckpointMeta meta = Checkpoint.readMeta(teacher);
            if (!ds.classNames().equals(meta.classNames())) {
                throw new IllegalArgumentException("teacher classes " + meta.classNames() + " differ from dataset classes " + ds.classNames());
            }
            classes = meta.classNames();
        } else if (imageSize == null) {
            throw new IllegalArgumentException("a TorchScript or ONNX teacher needs --image-size (the input side in pixels it was exported for)");
        }
        try (StreamOptions started = stream; NDManager manager = dev.detrdistill.model.Devices.newManager();
                TeacherRunner runner = exported ? ExportedTeacher.open(teacher, imageSize)
                        : new CheckpointTeacher(Checkpoint.loadModel(teacher, manager))) {
            TeacherProducer producer = TeacherProducer.builder().serdes(started.connect()).topic(topic)
                    .teacher(teacherId, teacherVersion).encodings(EncodingPolicy.parse(encoding)).views(views).batchSize(batch)
                    .seed(seed).claimCheckDir(claimCheckDir).partitions(partitions).retentionMs(retentionMs).build();
            ProduceSummary summary = producer.run(runner, classes, ds);
            System.out.print(summary.render());
        }
        return 0;
    }
}
