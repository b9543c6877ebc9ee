package dev.detrdistill.train;

import dev.detrdistill.config.Setting;
import dev.detrdistill.config.SettingGroup;
import dev.detrdistill.config.Settings;
import java.util.List;
import java.util.Map;

/**
 * Every training setting, defined once (key, option, default, range, doc): {@code ./distill train}'s options, the
 * {@code train:} section of student files, {@code --set key=value} and {@link TrainOptions} all come from here.
 */
public final class TrainSettings {
    public static final Setting<Integer> STEPS = Setting.integer(
            "steps",
            "--steps",
            2000,
            0,
            100_000_000,
            "Optimizer steps (0 in a student file: as many as the replay gives).");
    public static final Setting<Integer> BATCH =
            Setting.integer("batchSize", "--batch", 8, 1, 4096, "Images per step.");
    public static final Setting<Float> LR =
            Setting.decimal("lr", "--lr", 2e-4f, 0, false, 1, false, "Peak AdamW learning rate.");
    public static final Setting<Float> WEIGHT_DECAY =
            Setting.decimal("weightDecay", "--weight-decay", 1e-4f, 0, true, 1, false, "AdamW decoupled weight decay.");
    public static final Setting<Integer> WARMUP =
            Setting.integer("warmupSteps", "--warmup", 100, 0, 100_000_000, "Linear warm-up steps.");
    public static final Setting<LearningRateSchedule.Kind> SCHEDULE = Setting.choice(
            "schedule",
            "--schedule",
            LearningRateSchedule.Kind.class,
            LearningRateSchedule.Kind.COSINE,
            "COSINE (to 5% of peak) or STEP (x0.1 at 80%).");
    public static final Setting<Float> CLIP = Setting.decimal(
            "clipNorm", "--clip", 0.1f, 0, true, Float.MAX_VALUE, true, "Global gradient-norm clip (0 = off).");
    public static final Setting<double[]> SCALE_JITTER = Setting.pair(
            "scaleJitter", "--scale-jitter", 0.8, 1.2, 0.1, 4, "Min,max scale jitter (crop when > 1, pad when < 1).");
    public static final Setting<Float> FLIP =
            Setting.decimal("flip", "--flip", 0.5f, 0, true, 1, true, "Horizontal flip probability.");
    public static final Setting<Float> VERTICAL_FLIP = Setting.decimal(
            "verticalFlip",
            "--vertical-flip",
            0f,
            0,
            true,
            1,
            true,
            "Vertical flip probability, for images without an up (microscopy, aerial).");
    public static final Setting<Integer> EVAL_EVERY = Setting.integer(
            "evalEvery", "--eval-every", 500, 0, 100_000_000, "Evaluate every n steps (0 = at the end only).");
    public static final Setting<Integer> CHECKPOINT_EVERY = Setting.integer(
            "checkpointEvery",
            "--checkpoint-every",
            500,
            0,
            100_000_000,
            "Checkpoint every n steps (0 = at the end only).");
    public static final Setting<Integer> LOG_EVERY =
            Setting.integer("logEvery", "--log-every", 10, 1, 100_000_000, "Metrics line every n steps.");
    public static final Setting<Long> SEED = Setting.whole(
            "seed",
            "--seed",
            42,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            "Seed for initialisation, data order and augmentation.");

    /** {@code ./distill train}: a detector trained from scratch or distilled online. */
    public static final SettingGroup TRAIN = new SettingGroup(
            "train",
            List.of(
                    STEPS,
                    BATCH,
                    LR,
                    WEIGHT_DECAY,
                    WARMUP,
                    SCHEDULE,
                    CLIP,
                    SCALE_JITTER,
                    FLIP,
                    VERTICAL_FLIP,
                    EVAL_EVERY,
                    CHECKPOINT_EVERY,
                    LOG_EVERY,
                    SEED));

    /**
     * Students trained from a stream: runs are as long as the replay (steps 0), short, evaluated and checkpointed at
     * the end, so a higher peak rate with a shorter warm-up (the demo's, measured in docs/benchmarks.md).
     */
    public static final SettingGroup STUDENT = TRAIN.withDefaults(
            Map.of("steps", 0, "lr", 1e-3f, "warmupSteps", 50, "evalEvery", 0, "checkpointEvery", 0));

    private TrainSettings() {}

    public static TrainOptions options(Settings s) {
        double[] jitter = s.get(SCALE_JITTER);
        return new TrainOptions(
                s.get(STEPS),
                s.get(BATCH),
                s.get(LR),
                s.get(WEIGHT_DECAY),
                s.get(WARMUP),
                s.get(SCHEDULE),
                s.get(CLIP),
                jitter[0],
                jitter[1],
                s.get(FLIP),
                s.get(VERTICAL_FLIP),
                s.get(EVAL_EVERY),
                s.get(CHECKPOINT_EVERY),
                s.get(LOG_EVERY),
                s.get(SEED));
    }
}
