package dev.detrdistill.app;

import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.config.Settings;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.distill.Distiller;
import dev.detrdistill.distill.InstanceDistillation;
import dev.detrdistill.distill.OnlineTeacher;
import dev.detrdistill.distill.StageMappingOption;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.experiment.ExperimentFile;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import dev.detrdistill.train.DenoisingGroup;
import dev.detrdistill.train.OneToManyGroup;
import dev.detrdistill.train.RunFolder;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import dev.detrdistill.train.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        modelTransformer = TrainCommand.TrainingOptions.class,
        description = {
            "Train a detector with the DETR set loss (focal 2, L1 5, GIoU 2 at every stage).",
            "With --teacher, distil from a teacher run in process with the DETRDistill terms."
        })
final class TrainCommand implements Callable<Integer> {
    /** Adds one option per training setting (TrainSettings): the options, their defaults and docs are defined once. */
    static final class TrainingOptions implements picocli.CommandLine.IModelTransformer {
        @Override
        public picocli.CommandLine.Model.CommandSpec transform(picocli.CommandLine.Model.CommandSpec spec) {
            TrainSettings.TRAIN.addOptions(spec);
            return spec;
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--experiment",
            paramLabel = "<file.yaml>",
            description =
                    "An experiment file (the student-file format: model, train, distillation, eval): its model and "
                            + "train settings; "
                            + "options given here override it.")
    Path experiment;

    @Option(
            names = "--set",
            paramLabel = "<key=value>",
            description = "Override a training setting by its key, e.g. --set lr=1e-3 (keys: docs/configuration.md).")
    List<String> sets;

    @Option(
            names = "--config",
            defaultValue = "tiny",
            paramLabel = "<file|preset>",
            completionCandidates = Presets.class,
            description = "Detector config YAML, or a preset: ${COMPLETION-CANDIDATES} (docs/configuration.md). "
                    + "Default: ${DEFAULT-VALUE}")
    String config;

    /** The built-in presets, for the help text: {@link DetectorConfigs#PRESETS}, the one list. */
    public static final class Presets implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return DetectorConfigs.PRESETS.iterator();
        }
    }

    @Mixin
    DataOptions data;

    @Option(names = "--train-split", defaultValue = "train", description = "Training split. Default: ${DEFAULT-VALUE}")
    String trainSplit;

    @Option(
            names = "--val-split",
            defaultValue = "val",
            description = "Validation split (evaluated periodically and at the end). Default: ${DEFAULT-VALUE}")
    String valSplit;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "<dir>",
            description = "Output folder: checkpoint/, metrics.jsonl")
    Path out;

    @Option(names = "--image-size", paramLabel = "<px>", description = "Override the config's input size.")
    Integer imageSize;

    @Option(
            names = "--teacher",
            paramLabel = "<checkpoint>",
            description =
                    "Distil from this teacher checkpoint, run in process (online DETRDistill; the reference for the "
                            + "streamed trainer).")
    Path teacher;

    @Option(
            names = "--terms",
            split = ",",
            defaultValue = "ld,cl,fd,ad",
            description = "Distillation terms with --teacher: ld (instance), cl (contrastive, the reference's), rel "
                    + "(query relation, "
                    + "an option), fd (feature), ad (assignment). Default: ${DEFAULT-VALUE}")
    List<String> terms;

    @Option(
            names = "--term-weights",
            split = ",",
            paramLabel = "<term=weight>",
            description =
                    "Override term weights, e.g. ld=1,cl=0.2. Defaults are the reference's: ld=1, cl=0.2 per stage, "
                            + "rel=1, fd=1, ad=1.")
    Map<String, Float> termWeights;

    @Option(
            names = "--class-distance",
            defaultValue = "BCE",
            description = "Instance-distillation class term: BCE (reference code) or KL. Default: ${DEFAULT-VALUE}")
    InstanceDistillation.ClassDistance classDistance;

    @Option(
            names = "--fd-mask",
            defaultValue = "COSINE",
            description = "Feature-distillation mask votes: COSINE (reference code) or SIGMOID (paper text). Default: "
                    + "${DEFAULT-VALUE}")
    dev.detrdistill.distill.FeatureMask.Kind fdMask;

    @Option(
            names = "--stage-map",
            paramLabel = "<proportional|reference|t1,t2,...>",
            defaultValue = "proportional",
            description =
                    "Which teacher stage each student stage learns from: proportional (round(k*K_T/K_S)), reference "
                            + "(stage k from stage k; students no deeper than the teacher) or 1-based teacher "
                            + "stages. Default: ${DEFAULT-VALUE}")
    String stageMap;

    @Option(
            names = "--one-to-many",
            paramLabel = "<k>",
            defaultValue = "0",
            description = "Hybrid matching for a detector trained without a teacher: an auxiliary query group matched "
                    + "one-to-many, each box k times (training only; 0 = off). Default: ${DEFAULT-VALUE}")
    int oneToMany;

    @Option(
            names = "--one-to-many-queries",
            paramLabel = "<M>",
            description = "Size of the one-to-many group. Default: 3 x the detector's queries")
    Integer oneToManyQueries;

    @Option(
            names = "--denoising",
            paramLabel = "<noise>",
            defaultValue = "0",
            description = "Box denoising (DN-DETR) for an anchor detector trained without a teacher: jittered "
                    + "ground-truth boxes as an extra query group to reconstruct (training only; the box noise scale, "
                    + "e.g. 0.4; 0 = off). Default: ${DEFAULT-VALUE}")
    float denoising;

    @Option(
            names = "--ema",
            paramLabel = "<decay>",
            defaultValue = "0",
            description = "Keep an exponential moving average of the weights, the decay ramping in to at most this "
                    + "(e.g. 0.999; 0 = off): evaluations use it and the checkpoint's model is it. "
                    + "Default: ${DEFAULT-VALUE}")
    float ema;

    @Option(
            names = "--stop-after",
            paramLabel = "<step>",
            description = "Stop with a checkpoint after this step, schedule unchanged (continue later with --resume).")
    Integer stopAfter;

    @Option(
            names = "--overwrite",
            description =
                    "Start again in an --out folder that already holds a run (its metrics and checkpoint are deleted).")
    boolean overwrite;

    @Option(
            names = "--resume",
            description =
                    "Continue from <out>/checkpoint when it exists (exactly: weights, optimizer, step, data order).")
    boolean resume;

    DistillationSettings distillationSettings() {
        DistillationSettings settings = DistillationSettings.ofTerms(terms);
        if (termWeights != null) {
            for (Map.Entry<String, Float> e : termWeights.entrySet()) {
                String term = e.getKey().toLowerCase(java.util.Locale.ROOT);
                if (!terms.contains(term)) {
                    throw new IllegalArgumentException(
                            "--term-weights sets " + term + " but --terms does not turn it on (" + terms + ")");
                }
                settings = settings.withWeight(term, e.getValue());
            }
        }
        return StageMappingOption.apply(settings.withClassDistance(classDistance), stageMap, "--stage-map")
                .validate();
    }

    @picocli.CommandLine.Mixin
    dev.detrdistill.cli.DeviceOption device;

    @Override
    public Integer call() throws Exception {
        device.apply();
        if (resume && overwrite) {
            throw new IllegalArgumentException(
                    "--resume continues the run in --out and --overwrite deletes it: give one of them");
        }
        RunFolder.claim(out, resume, overwrite, "--out", "Add --resume to continue it, ");
        DetectionDataset train = data.load(trainSplit);
        DetectionDataset val = data.load(valSplit);
        ExperimentFile file = experiment == null ? null : ExperimentFile.read(experiment, TrainSettings.TRAIN);
        String model = file != null
                        && file.modelRef() != null
                        && !spec.commandLine().getParseResult().hasMatchedOption("--config")
                ? file.modelRef()
                : config;
        DetrConfig c = DetectorConfigs.load(model, train.numClasses());
        if (imageSize != null) {
            c = c.withImageSize(imageSize).validate();
        }
        // The settings' defaults, then the experiment file, then options given here, then --set.
        Settings trainSettings =
                TrainSettings.TRAIN.read(spec, file == null ? TrainSettings.TRAIN.defaults() : file.train());
        TrainOptions options = TrainSettings.options(TrainSettings.TRAIN.overrides(sets, trainSettings, "--set"))
                .validate();
        TrainingRun run = new TrainingRun(c, train, val, options, out, System.out);
        if (ema != 0) {
            run.withWeightAverage(ema);
        }
        if (teacher != null) {
            boolean termsGiven = spec.commandLine().getParseResult().hasMatchedOption("--terms");
            DistillationSettings settings = file != null && file.distillation() != null && !termsGiven
                    ? file.distillation()
                    : distillationSettings();
            CheckpointMeta meta = Checkpoint.readMeta(teacher);
            if (!meta.classNames().equals(train.classNames())) {
                throw new IllegalArgumentException("teacher " + teacher + " was trained on classes " + meta.classNames()
                        + " but the data has " + train.classNames());
            }
            System.out.println(
                    "distilling from " + teacher + " (" + meta.config().decoderLayers() + " stages, "
                            + meta.config().numQueries() + " queries, d="
                            + meta.config().hiddenDim() + ") with " + settings);
            run.withExtraLoss((student, manager) -> new Distiller(
                    student,
                    new OnlineTeacher(
                            Checkpoint.loadModel(teacher, manager), new SetCriterion(LossWeights.defaults()), fdMask),
                    settings,
                    manager));
        }
        if (denoising > 0 && (oneToMany > 0 || teacher != null)) {
            throw new IllegalArgumentException("--denoising uses the extra query group, as --one-to-many and "
                    + "--teacher (assignment distillation) do: give one of them");
        }
        if (denoising > 0) {
            System.out.printf(
                    "box denoising: ground-truth boxes jittered by %.2f as an extra query group%n", denoising);
            run.withExtraLoss((detector, manager) -> new DenoisingGroup(
                    detector, new SetCriterion(LossWeights.defaults()), denoising, 1f, options.seed()));
        }
        if (oneToMany > 0) {
            if (teacher != null) {
                throw new IllegalArgumentException("--one-to-many is for training without --teacher (assignment "
                        + "distillation uses the extra query group)");
            }
            int m = oneToManyQueries != null ? oneToManyQueries : 3 * c.numQueries();
            System.out.printf("hybrid matching: %d auxiliary queries, each box matched %d times%n", m, oneToMany);
            run.withExtraLoss((detector, manager) ->
                    new OneToManyGroup(detector, new SetCriterion(LossWeights.defaults()), m, oneToMany, 1f, manager));
        } else if (oneToManyQueries != null) {
            throw new IllegalArgumentException("--one-to-many-queries needs --one-to-many <k>");
        }
        if (stopAfter != null) {
            run.stopAfter(stopAfter);
        }
        CocoMetrics m = run.run(resume);
        if (m != null) {
            System.out.print(m.summary());
            System.out.print(m.perClassSummary());
        }
        return 0;
    }
}
