package dev.detrdistill.app.bench;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.app.demo.TeacherTraining;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.distill.Distiller;
import dev.detrdistill.distill.OnlineTeacher;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.ProduceSummary;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.RunFolder;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import dev.detrdistill.train.TrainingRun;
import dev.detrdistill.trainer.StudentSpec;
import dev.detrdistill.trainer.flink.StartPosition;
import dev.detrdistill.trainer.flink.StudentTrainerJob;
import dev.detrdistill.trainer.flink.TrainerResult;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The platform's headline figure: N students distilled from one teacher, both ways on the same data,
 * student config, steps and batch size.
 * <ul>
 *   <li>online (what the reference implementation does): each student trains with the teacher run in
 *       process on every batch, one student after another;</li>
 *   <li>streamed: the producer runs the teacher once per view, then one Flink job trains all N students
 *       from the topic.</li>
 * </ul>
 * Prints, per N, wall and CPU seconds of each way split into teacher, students and the job's own
 * overhead, the streamed/online ratio, records/s through the job and every student's AP.
 */
@Command(
        name = "fleet",
        mixinStandardHelpOptions = true,
        description = "N students for the price of one teacher: online distillation (teacher in process, students one "
                + "after another) "
                + "against streamed (teacher once, one Flink job for all N), same data, steps and student "
                + "config.")
public final class FleetBench implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(
            names = "--students",
            split = ",",
            defaultValue = "1,2,4,8",
            description = "Fleet sizes N to measure. Default: ${DEFAULT-VALUE}")
    List<Integer> fleetSizes;

    @Option(
            names = "--teacher",
            defaultValue = "teacher",
            description =
                    "Teacher detector (preset or YAML), trained once into <out>/teacher. Default: ${DEFAULT-VALUE}")
    String teacherConfig;

    @Option(
            names = "--teacher-steps",
            defaultValue = "1500",
            description = "Teacher training steps (reused when done). Default: ${DEFAULT-VALUE}")
    int teacherSteps;

    @Option(
            names = "--student",
            defaultValue = "student",
            description = "Detector of every student (preset or YAML). Default: ${DEFAULT-VALUE}")
    String studentConfig;

    @Option(
            names = "--epochs",
            defaultValue = "1",
            description = "Replays of the records; steps per student = images x views x epochs / batch. Default: "
                    + "${DEFAULT-VALUE}")
    int epochs;

    @Option(
            names = "--views",
            defaultValue = "2",
            description = "Views per image the teacher publishes. Default: ${DEFAULT-VALUE}")
    int views;

    @Option(
            names = "--encoding",
            defaultValue = "FP16",
            description = "FP32, FP16 or INT8 teacher tensors. Default: ${DEFAULT-VALUE}")
    TensorEncoding encoding;

    @Option(
            names = "--image-size",
            defaultValue = "128",
            description = "Input size of teacher and students. Default: ${DEFAULT-VALUE}")
    int imageSize;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Peak learning rate of teacher and students. Default: ${DEFAULT-VALUE}")
    float lr;

    @Option(
            names = "--out",
            defaultValue = "runs/bench/fleet",
            description =
                    "Teacher, students, fleet.md/json/svg (the n<N>/ folders are replaced). Default: ${DEFAULT-VALUE}")
    Path out;

    static final int BATCH = 8;

    @Override
    public Integer call() throws Exception {
        System.out.println(dev.detrdistill.progress.MachineFacts.current().describe());
        AvroTrust.trustRecordClasses();
        if (fleetSizes.stream().anyMatch(n -> n < 1 || n > 64)) {
            throw new IllegalArgumentException("--students takes fleet sizes in [1, 64], got " + fleetSizes);
        }
        DetectionDataset train = data.load("train");
        DetectionDataset val = data.load("val");
        Path teacherCkpt = TeacherTraining.ensure(
                teacherConfig, imageSize, teacherSteps, lr, train, out.resolve("teacher"), System.out);
        DetrConfig student = DetectorConfigs.load(studentConfig, train.numClasses())
                .withImageSize(imageSize)
                .validate();
        long records = (long) train.images().size() * views;
        int steps = (int) Math.max(1, records * epochs / BATCH);
        System.out.printf(
                "fleet: %d train images x %d views = %d records, %d epoch(s), %d steps per student, N = %s%n",
                train.images().size(), views, records, epochs, steps, fleetSizes);
        List<FleetRow> rows = new ArrayList<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedRegistry registry = EmbeddedRegistry.start();
                NDManager manager = dev.detrdistill.model.Devices.newManager()) {
            RecordSerdes serdes = RecordSerdes.of(kafka.bootstrapServers(), registry.url());
            String topic = "fleet.teacher";
            DetrModel teacher = Checkpoint.loadModel(teacherCkpt, manager);
            Cost.Meter produceMeter = Cost.start();
            ProduceSummary produced = TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .teacher("fleet-teacher", 1)
                    .encodings(EncodingPolicy.uniform(encoding))
                    .views(views)
                    .batchSize(BATCH)
                    .partitions(1)
                    .build()
                    .run(teacher, train.classNames(), train);
            Cost produce = produceMeter.stop();
            System.out.printf(
                    "teacher pass (once): %d records, wall %.1f s, CPU %.1f s (inference %.1f s, encode %.1f s, "
                            + "send %.1f s)%n",
                    produced.produced(),
                    produce.wallSeconds(),
                    produce.cpuSeconds(),
                    produced.inferenceSeconds(),
                    produced.encodeSeconds(),
                    produced.sendSeconds());
            for (int n : fleetSizes) {
                Path dir = out.resolve("n" + n);
                RunFolder.deleteTree(dir);
                FleetRow.Streamed streamed =
                        streamed(serdes, topic, n, student, dir.resolve("streamed"), produce, produced, records);
                FleetRow.Online online = online(n, student, train, steps, teacherCkpt, dir.resolve("online"), quiet);
                FleetRow row = new FleetRow(
                        n,
                        steps,
                        online,
                        streamed,
                        accuracy(dir.resolve("online"), n, val, manager),
                        accuracy(dir.resolve("streamed"), n, val, manager));
                rows.add(row);
                System.out.println(row.summary());
            }
        }
        FleetReport.write(out, rows, records, epochs, steps);
        System.out.print(FleetReport.markdown(rows));
        System.out.println("wrote " + out.resolve("fleet.md") + ", fleet.json and fleet.svg");
        return 0;
    }

    private FleetRow.Streamed streamed(
            RecordSerdes serdes,
            String topic,
            int n,
            DetrConfig student,
            Path dir,
            Cost produce,
            ProduceSummary produced,
            long records)
            throws Exception {
        List<StudentSpec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            specs.add(new StudentSpec(
                    "s" + i,
                    DetectorConfigs.read(studentConfig),
                    DistillationSettings.all(),
                    options(0, i),
                    StudentSpec.EvalSpec.none(),
                    dir.resolve("s" + i).toString()));
        }
        Cost.Meter meter = Cost.start();
        TrainerResult result = StudentTrainerJob.builder()
                .serdes(serdes)
                .topic(topic)
                .students(specs)
                .from(StartPosition.EARLIEST)
                .epochs(epochs)
                .checkpointInterval(Duration.ofSeconds(30))
                .checkpointDir(dir.resolve("flink-checkpoints"))
                .jobName("fleet-" + n + "-" + System.nanoTime())
                .log(new PrintStream(OutputStream.nullOutputStream()))
                .build()
                .run();
        Cost job = meter.stop();
        double step = 0;
        double render = 0;
        double decode = 0;
        for (var s : result.students().values()) {
            step += s.get("step_seconds").asDouble();
            render += s.get("render_seconds").asDouble();
            decode += s.get("teacher_decode_seconds").asDouble();
        }
        if (result.deadLetterCount() > 0) {
            throw new IllegalStateException("fleet job of " + n + " students sent " + result.deadLetterCount()
                    + " dead letters: " + result.deadLetters());
        }
        return new FleetRow.Streamed(
                produce,
                produced.inferenceSeconds(),
                job,
                step - decode,
                decode,
                render,
                records * epochs * n / job.wallSeconds());
    }

    private FleetRow.Online online(
            int n, DetrConfig student, DetectionDataset train, int steps, Path teacherCkpt, Path dir, PrintStream quiet)
            throws Exception {
        Cost total = Cost.ZERO;
        double teacherSeconds = 0;
        for (int i = 0; i < n; i++) {
            List<TimedTeacherSource> timed = new ArrayList<>();
            TrainingRun run = new TrainingRun(student, train, null, options(steps, i), dir.resolve("s" + i), quiet)
                    .withExtraLoss((model, manager) -> {
                        TimedTeacherSource t = new TimedTeacherSource(new OnlineTeacher(
                                Checkpoint.loadModel(teacherCkpt, manager), new SetCriterion(LossWeights.defaults())));
                        timed.add(t);
                        return new Distiller(model, t, DistillationSettings.all(), manager);
                    });
            Cost.Meter meter = Cost.start();
            run.run(false);
            total = total.plus(meter.stop());
            teacherSeconds +=
                    timed.stream().mapToDouble(TimedTeacherSource::seconds).sum();
            System.out.printf("  online student %d/%d done (%.1f s so far)%n", i + 1, n, total.wallSeconds());
        }
        return new FleetRow.Online(total, teacherSeconds);
    }

    private TrainOptions options(int steps, int index) {
        return TrainSettings.options(TrainSettings.STUDENT
                .defaults()
                .with(TrainSettings.STEPS, steps)
                .with(TrainSettings.BATCH, BATCH)
                .with(TrainSettings.LR, lr)
                .with(TrainSettings.SEED, 42L + index));
    }

    private static List<Double> accuracy(Path dir, int n, DetectionDataset val, NDManager manager) throws Exception {
        List<Double> ap = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (NDManager m = manager.newSubManager()) {
                DetrModel model = Checkpoint.loadModel(dir.resolve("s" + i).resolve("checkpoint"), m);
                ap.add(DetectorEvaluator.evaluate(
                                model, val, new ImageCache(2 * model.config().imageSize()), m, BATCH)
                        .ap());
            }
        }
        return ap;
    }
}
