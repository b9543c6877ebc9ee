package dev.detrdistill.app.producer;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.producer.CheckpointTeacher;
import dev.detrdistill.producer.ProduceSummary;
import dev.detrdistill.producer.ProducerSettings;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.producer.TeacherRunner;
import dev.detrdistill.producer.exported.ExportedTeacher;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        modelTransformer = ProduceCommand.ProducerOptions.class,
        description = {
            "Run a teacher once per image view and publish its knowledge (TeacherRecord) to Kafka,",
            "with its TeacherCard on <topic>.cards and bad input on <topic>.dlq."
        })
public final class ProduceCommand implements Callable<Integer> {
    /** One option per producer setting (ProducerSettings), defined once. */
    public static final class ProducerOptions implements picocli.CommandLine.IModelTransformer {
        @Override
        public picocli.CommandLine.Model.CommandSpec transform(picocli.CommandLine.Model.CommandSpec spec) {
            ProducerSettings.PRODUCE.addOptions(spec);
            return spec;
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--teacher",
            required = true,
            paramLabel = "<checkpoint|file.pt|file.onnx>",
            description =
                    "Teacher checkpoint folder (from train), or a TorchScript (.pt) or ONNX (.onnx) file following "
                            + "docs/bring-your-own-teacher.md.")
    Path teacher;

    @Option(
            names = "--image-size",
            paramLabel = "<px>",
            description = "Input side in pixels of a TorchScript or ONNX teacher, the size it was exported for "
                    + "(checkpoints know theirs).")
    Integer imageSize;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "train", description = "Split to produce. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(
            names = "--topic",
            required = true,
            description = "Records topic (created with the settings it needs if absent).")
    String topic;

    @Option(
            names = "--claim-check-dir",
            paramLabel = "<dir>",
            description = "Records over --max-record-bytes keep features and masks in files here.")
    Path claimCheckDir;

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
                throw new IllegalArgumentException(
                        "teacher classes " + meta.classNames() + " differ from dataset classes " + ds.classNames());
            }
            classes = meta.classNames();
        } else if (imageSize == null) {
            throw new IllegalArgumentException(
                    "a TorchScript or ONNX teacher needs --image-size (the input side in pixels it was exported for)");
        }
        try (StreamOptions started = stream;
                NDManager manager = dev.detrdistill.model.Devices.newManager();
                TeacherRunner runner = exported
                        ? ExportedTeacher.open(teacher, imageSize)
                        : new CheckpointTeacher(Checkpoint.loadModel(teacher, manager))) {
            TeacherProducer producer = TeacherProducer.builder()
                    .serdes(started.connect())
                    .topic(topic)
                    .settings(ProducerSettings.PRODUCE.read(spec, ProducerSettings.PRODUCE.defaults()))
                    .claimCheckDir(claimCheckDir)
                    .replicationFactor(started.replicationFactor())
                    .build();
            ProduceSummary summary = producer.run(runner, classes, ds);
            System.out.print(summary.render());
        }
        return 0;
    }
}
