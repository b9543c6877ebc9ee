package dev.detrdistill.app.demo;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.config.Settings;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.eval.CocoEvaluator;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.Detection;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.experiment.ExperimentFile;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.FrozenTapCache;
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
import dev.detrdistill.trainer.StudentSpec;
import dev.detrdistill.trainer.flink.StartPosition;
import dev.detrdistill.trainer.flink.StudentTrainerJob;
import dev.detrdistill.trainer.flink.TrainerResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole platform on one machine: embedded Kafka and registry, a local Flink; trains a teacher "
                    + "(kept in --out and reused by a later run with --overwrite), publishes its records, trains a "
                    + "baseline and a distilled student from the "
                    + "stream in one Flink job, evaluates all three and writes an HTML report."
        })
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--train-split", defaultValue = "train", description = "Default: ${DEFAULT-VALUE}")
    String trainSplit;

    @Option(names = "--val-split", defaultValue = "val", description = "Default: ${DEFAULT-VALUE}")
    String valSplit;

    @Option(
            names = "--overwrite",
            description =
                    "Train the students again in an --out folder that holds a demo's results (the teacher there is "
                            + "kept and reused).")
    boolean overwrite;

    @Option(
            names = "--out",
            defaultValue = "runs/demo",
            description = "Output folder (teacher, students, report.html). Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(
            names = "--image-size",
            defaultValue = "128",
            description = "Input size of teacher and students. Default: ${DEFAULT-VALUE}")
    int imageSize;

    @Option(
            names = "--teacher",
            defaultValue = "teacher-pretrained",
            description = "Teacher detector (preset or YAML). Default: ${DEFAULT-VALUE}")
    String teacherConfig;

    @Option(
            names = "--teacher-steps",
            defaultValue = "1500",
            description = "Teacher training steps. Default: ${DEFAULT-VALUE}")
    int teacherSteps;

    @Option(
            names = "--teacher-denoising",
            defaultValue = "0.4",
            description = "Box-denoising noise scale while training the teacher (0 = off). Default: ${DEFAULT-VALUE}")
    float teacherDenoising;

    @Option(
            names = "--student",
            defaultValue = "student-pretrained",
            description = "Student detector (preset or YAML). Default: ${DEFAULT-VALUE}")
    String studentConfig;

    @Option(
            names = "--epochs",
            defaultValue = "16",
            description = "Replays of the teacher's records for the students. Default: ${DEFAULT-VALUE}")
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
            names = "--experiment",
            paramLabel = "<file.yaml>",
            description =
                    "An experiment file (the student-file format) for the students: its model, train settings and "
                            + "distillation terms "
                            + "(the baseline keeps none).")
    Path experiment;

    @Option(
            names = "--set",
            paramLabel = "<key=value>",
            description = "Override a training setting of both students, e.g. --set lr=5e-4.")
    List<String> sets;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Peak learning rate of teacher and students. Default: ${DEFAULT-VALUE}")
    float lr;

    @Option(
            names = "--seeds",
            defaultValue = "1",
            description = "Students per arm, with seeds 1..n; arms share each seed, so differences are paired. "
                    + "Default: ${DEFAULT-VALUE}")
    int seeds;

    @Option(
            names = "--arms",
            split = ",",
            paramLabel = "<terms>",
            description = "The students to train: each arm a '+'-joined list of terms (ld, cl, rel, fd, ad), 'none' "
                    + "(the baseline) or 'all' (ld+cl+fd+ad). Default: none,all")
    List<String> arms = List.of("none", "all");

    /** Images per teacher forward pass, per student step and per evaluation pass. */
    static final int BATCH = 8;

    /** The three models' detections on the validation split and their COCO metrics. */
    private record Evaluation(
            Map<String, DetrModel> models,
            Map<String, List<Detection>> predictions,
            Map<String, CocoMetrics> metrics,
            Map<String, Double> msPerImage) {}

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        AvroTrust.trustRecordClasses();
        Map<String, Double> phases = new LinkedHashMap<>();
        claimOutput();
        Path root = data.root();
        DetectionDataset train = data.load(trainSplit);
        DetectionDataset val = data.load(valSplit);
        System.out.printf(
                "data: %s (%d train / %d val images, classes %s)%n",
                root, train.images().size(), val.images().size(), train.classNames());
        System.out.println(dev.detrdistill.progress.MachineFacts.current().describe());

        long t = System.nanoTime();
        Path teacherDir = out.resolve("teacher");
        TeacherTraining.ensure(
                teacherConfig, imageSize, teacherSteps, lr, teacherDenoising, train, teacherDir, System.out);
        phases.put("teacher training", (System.nanoTime() - t) / 1e9);

        System.out.println(
                "starting an embedded Kafka broker, schema registry and (with the job) a local Flink MiniCluster");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedRegistry registry = EmbeddedRegistry.start();
                NDManager manager = dev.detrdistill.model.Devices.newManager()) {
            RecordSerdes serdes = RecordSerdes.of(kafka.bootstrapServers(), registry.url());
            String topic = "demo.teacher";
            DetrModel teacher = Checkpoint.loadModel(teacherDir.resolve("checkpoint"), manager);
            t = System.nanoTime();
            ProduceSummary produced = TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .teacher("demo-teacher", 1)
                    .encodings(EncodingPolicy.uniform(encoding))
                    .views(views)
                    .batchSize(BATCH)
                    .partitions(1)
                    .build()
                    .run(teacher, train.classNames(), train);
            phases.put("teacher records (produce)", (System.nanoTime() - t) / 1e9);
            System.out.print(produced.render());

            long steps = (long) train.images().size() * views * epochs / BATCH;
            int logEvery = (int) Math.max(1, Math.min(25, steps / 40)); // about 40 points per loss curve
            int evalEvery = (int) Math.max(1, steps / 6); // about 6 points per AP curve
            if (seeds < 1 || seeds > 20) {
                throw new IllegalArgumentException("--seeds=" + seeds + " is out of range; expected 1 to 20");
            }
            List<StudentSpec> students = new ArrayList<>();
            for (int seed = 1; seed <= seeds; seed++) {
                for (String arm : arms) {
                    String name = StudyArms.name(arm) + (seeds > 1 ? "-s" + seed : "");
                    students.add(student(name, StudyArms.settings(arm), root, logEvery, evalEvery, seed));
                }
            }
            System.out.printf(
                    "students: %d arms x %d seeds = %d, in one Flink job reading the teacher's records%n",
                    arms.size(), seeds, students.size());
            t = System.nanoTime();
            TrainerResult result = StudentTrainerJob.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .students(students)
                    .from(StartPosition.EARLIEST)
                    .epochs(epochs)
                    .checkpointInterval(Duration.ofSeconds(30))
                    .checkpointDir(out.resolve("flink-checkpoints"))
                    .jobName("demo")
                    .build()
                    .run();
            double trainerSeconds = (System.nanoTime() - t) / 1e9;
            phases.put("students (Flink job)", trainerSeconds);
            System.out.print(result.table());

            t = System.nanoTime();
            Evaluation evaluation = evaluate(teacher, students, val, manager);
            phases.put("evaluation and report", (System.nanoTime() - t) / 1e9);
            List<List<String>> rows = printTable(evaluation);
            writeReport(train, val, students, evaluation, rows, produced, result, phases, trainerSeconds, t0);
        }
        return 0;
    }

    /** Teacher and students on the validation split (the plain view, top 100 detections per image). */
    private Evaluation evaluate(DetrModel teacher, List<StudentSpec> students, DetectionDataset val, NDManager manager)
            throws java.io.IOException {
        Map<String, DetrModel> models = new LinkedHashMap<>();
        models.put("teacher", teacher);
        for (StudentSpec s : students) {
            models.put(s.name(), Checkpoint.loadModel(Path.of(s.output(), "checkpoint"), manager));
        }
        ImageCache cache = new ImageCache(2 * imageSize);
        Map<String, List<Detection>> predictions = new LinkedHashMap<>();
        Map<String, CocoMetrics> metrics = new LinkedHashMap<>();
        Map<String, Double> ms = new LinkedHashMap<>();
        for (Map.Entry<String, DetrModel> m : models.entrySet()) {
            // Second pass timed: the first warms the cache of rendered views and the engine. The timed pass runs
            // a frozen backbone again rather than reading its cached maps, so its cost is in the figure.
            DetectorEvaluator.predict(m.getValue(), val, cache, manager, BATCH);
            long t = System.nanoTime();
            List<Detection> p =
                    FrozenTapCache.uncached(() -> DetectorEvaluator.predict(m.getValue(), val, cache, manager, BATCH));
            ms.put(
                    m.getKey(),
                    (System.nanoTime() - t) / 1e6 / Math.max(1, val.images().size()));
            predictions.put(m.getKey(), p);
            metrics.put(m.getKey(), new CocoEvaluator(val.images(), val.classNames()).evaluate(p));
        }
        return new Evaluation(models, predictions, metrics, ms);
    }

    /** The AP table on standard output; returns its rows for the report. */
    private List<List<String>> printTable(Evaluation e) {
        List<List<String>> rows = new ArrayList<>();
        System.out.printf(
                "%n%-14s %7s %7s %7s %10s %10s %8s%n", "model", "AP", "AP50", "AP75", "params", "trained", "ms/img");
        for (Map.Entry<String, CocoMetrics> m : e.metrics().entrySet()) {
            double[] s = m.getValue().stats();
            DetrModel model = e.models().get(m.getKey());
            long params = model.getParameters().values().stream()
                    .mapToLong(p -> p.getArray().size())
                    .sum();
            long trained = model.getParameters().values().stream()
                    .filter(ai.djl.nn.Parameter::requiresGradient)
                    .mapToLong(p -> p.getArray().size())
                    .sum();
            double ms = e.msPerImage().get(m.getKey());
            System.out.printf(
                    Locale.ROOT,
                    "%-14s %7.3f %7.3f %7.3f %10d %10d %8.1f%n",
                    m.getKey(),
                    s[0],
                    s[1],
                    s[2],
                    params,
                    trained,
                    ms);
            rows.add(List.of(
                    m.getKey(),
                    f3(s[0]),
                    f3(s[1]),
                    f3(s[2]),
                    String.valueOf(params),
                    String.valueOf(trained),
                    String.format(Locale.ROOT, "%.1f", ms)));
        }
        System.out.print(summary(e));
        return rows;
    }

    /** Per arm mean +- std over seeds, and each arm's paired difference to the baseline seed by seed. */
    private String summary(Evaluation e) {
        Map<String, Double> ap = new LinkedHashMap<>();
        e.metrics().forEach((k, v) -> ap.put(k, v.stats()[0]));
        return StudyArms.summary(arms, seeds, ap);
    }

    private void writeReport(
            DetectionDataset train,
            DetectionDataset val,
            List<StudentSpec> students,
            Evaluation evaluation,
            List<List<String>> rows,
            ProduceSummary produced,
            TrainerResult result,
            Map<String, Double> phases,
            double trainerSeconds,
            long t0)
            throws java.io.IOException {
        long trained = result.students().values().stream()
                .mapToLong(s -> s.get("records").asLong())
                .sum();
        DemoReport report = new DemoReport("DETRDistill demo: " + train.name());
        report.paragraph(String.format(
                Locale.ROOT,
                "Teacher %s (%d steps), students %s, %d train / %d val images at %d px, "
                        + "%d views per image, %s records, %d epochs. Wall time %.1f min.",
                teacherConfig,
                teacherSteps,
                studentConfig,
                train.images().size(),
                val.images().size(),
                imageSize,
                views,
                encoding,
                epochs,
                (System.nanoTime() - t0) / 60e9));
        report.heading("Validation AP (COCO)")
                .table(List.of("model", "AP", "AP50", "AP75", "parameters", "trained", "ms per image"), rows)
                .preformatted(summary(evaluation));
        Map<String, Path> studentMetrics = new LinkedHashMap<>();
        for (StudentSpec s : students) {
            studentMetrics.put(s.name(), Path.of(s.output(), "metrics.jsonl"));
        }
        report.heading("AP against step and per class").apCurves(studentMetrics).perClassAp(evaluation.metrics());
        report.heading("Training losses");
        for (StudentSpec s : students) {
            report.lossCurves(s.name(), Path.of(s.output(), "metrics.jsonl"));
        }
        List<List<String>> sizes = new ArrayList<>();
        long total = produced.fieldBytes().values().stream()
                .mapToLong(Long::longValue)
                .sum();
        produced.fieldBytes()
                .forEach((k, v) -> sizes.add(List.of(
                        k,
                        String.format(Locale.ROOT, "%.0f", v / (double) Math.max(1, produced.produced())),
                        String.format(Locale.ROOT, "%.1f%%", 100.0 * v / Math.max(1, total)))));
        report.heading("Record size by field (" + encoding + ")")
                .table(List.of("field", "bytes per record", "share"), sizes);
        List<List<String>> times = new ArrayList<>();
        phases.forEach((k, v) -> times.add(List.of(k, String.format(Locale.ROOT, "%.1f", v))));
        report.heading("Time and throughput")
                .table(List.of("phase", "seconds"), times)
                .paragraph(String.format(
                        Locale.ROOT,
                        "Teacher producer: %d records, encode+send overhead %.1f%% of inference. "
                                + "Flink job: %d student-records trained in %.1f s (%.1f records/s over both "
                                + "students); dead letters: %d.",
                        produced.produced(),
                        100 * produced.overhead(),
                        trained,
                        trainerSeconds,
                        trained / trainerSeconds,
                        result.deadLetterCount()));
        report.heading("Validation images (each model's top-k detections, k = objects in the image)")
                .detections(
                        val.images().subList(0, Math.min(4, val.images().size())),
                        val.classNames(),
                        evaluation.predictions());
        Path html = out.resolve("report.html").toAbsolutePath();
        report.write(html);
        System.out.printf(Locale.ROOT, "report: %s%ndone in %.1f min%n", html.toUri(), (System.nanoTime() - t0) / 60e9);
    }

    /** Refuses to write over an earlier demo's students and report unless --overwrite; the teacher is always kept. */
    private void claimOutput() {
        List<String> deleted = RunFolder.claim(
                out,
                List.of("report.html", "students", "flink-checkpoints"),
                false,
                overwrite,
                "--out",
                "The teacher in " + out.resolve("teacher") + " is kept and reused: ");
        if (!deleted.isEmpty()) {
            System.out.println("--overwrite: deleted the previous demo's " + deleted + " (the teacher is kept)");
        }
    }

    /**
     * A demo student: the students' training defaults, the demo's batch, --lr and a log interval for about 40 points
     * per
     * curve; then the experiment file (its model and train settings), then --set.
     */
    private StudentSpec student(
            String name, DistillationSettings distill, Path root, int logEvery, int evalEvery, int seed) {
        ExperimentFile file = experiment == null ? null : ExperimentFile.read(experiment, TrainSettings.STUDENT);
        boolean studentGiven = spec.commandLine().getParseResult().hasMatchedOption("--student");
        DetrConfig model = DetectorConfigs.read(
                file != null && file.modelRef() != null && !studentGiven ? file.modelRef() : studentConfig);
        Settings settings = TrainSettings.STUDENT
                .defaults()
                .with(TrainSettings.BATCH, BATCH)
                .with(TrainSettings.LR, lr)
                .with(TrainSettings.LOG_EVERY, logEvery)
                .with(TrainSettings.EVAL_EVERY, evalEvery)
                .with(TrainSettings.SEED, (long) seed);
        if (file != null) {
            for (String key : file.train().explicitKeys()) {
                settings = settings.withText(key, text(file.train().asMap().get(key)), experiment.toString());
            }
            if (distill.anyEnabled() && file.distillation() != null) {
                distill = file.distillation();
            }
        }
        TrainOptions options = TrainSettings.options(TrainSettings.STUDENT.overrides(sets, settings, "--set"));
        return new StudentSpec(
                name,
                model,
                distill,
                options,
                new StudentSpec.EvalSpec(root.toString(), valSplit, 0),
                out.resolve("students").resolve(name).toString());
    }

    private static String text(Object v) {
        return v instanceof double[] d ? d[0] + "," + d[1] : String.valueOf(v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
