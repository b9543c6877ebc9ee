package dev.detrdistill.app.demo;

import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import dev.detrdistill.train.DenoisingGroup;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import dev.detrdistill.train.TrainingRun;
import java.io.PrintStream;
import java.nio.file.Path;

/** The demo's and benchmarks' teacher: trained once into a folder, reused when finished, resumed when partial. */
public final class TeacherTraining {
    private TeacherTraining() {}

    /** Box-denoising noise scale for anchor-decoder teachers (DN-DETR's 0.4; docs/benchmarks.md measures it). */
    public static final float DENOISING = 0.4f;

    /** @return the teacher's checkpoint folder ({@code dir/checkpoint}) */
    public static Path ensure(
            String teacherConfig, int imageSize, int steps, float lr, DetectionDataset train, Path dir, PrintStream log)
            throws Exception {
        return ensure(teacherConfig, imageSize, steps, lr, DENOISING, train, dir, log);
    }

    /** As above, with box denoising at {@code denoising} (0 = off; ignored for the plain decoder). */
    public static Path ensure(
            String teacherConfig,
            int imageSize,
            int steps,
            float lr,
            float denoising,
            DetectionDataset train,
            Path dir,
            PrintStream log)
            throws Exception {
        DetrConfig config = DetectorConfigs.load(teacherConfig, train.numClasses())
                .withImageSize(imageSize)
                .validate();
        Path ckpt = dir.resolve("checkpoint");
        if (Checkpoint.exists(ckpt)) {
            CheckpointMeta meta = Checkpoint.readMeta(ckpt);
            if (meta.config().equals(config) && meta.step() >= steps) {
                log.printf("reusing the teacher in %s (step %d)%n", ckpt, meta.step());
                return ckpt;
            }
        }
        log.printf(
                "training the teacher (%s, %d steps; resumes a partial run; reused next time)%n", teacherConfig, steps);
        TrainOptions options = TrainSettings.options(TrainSettings.TRAIN
                .defaults()
                .with(TrainSettings.STEPS, steps)
                .with(TrainSettings.LR, lr)
                .with(TrainSettings.EVAL_EVERY, 0)
                .with(TrainSettings.CHECKPOINT_EVERY, 250));
        TrainingRun run = new TrainingRun(config, train, null, options, dir, log);
        if (denoising > 0 && config.decoder().usesAnchors()) {
            run.withExtraLoss((teacher, manager) -> new DenoisingGroup(
                    teacher, new SetCriterion(LossWeights.defaults()), denoising, 1f, options.seed()));
        }
        run.run(true);
        return ckpt;
    }
}
