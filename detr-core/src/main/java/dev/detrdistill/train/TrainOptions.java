package dev.detrdistill.train;

/**
 * Settings of a supervised training run, as {@link TrainSettings} defines them; {@link #validate()} names any
 * out-of-range key.
 *
 * @param steps optimizer steps in total
 * @param batchSize images per step
 * @param lr peak learning rate (AdamW)
 * @param weightDecay decoupled weight decay
 * @param warmupSteps linear warm-up steps
 * @param schedule COSINE or STEP decay after warm-up
 * @param clipNorm global gradient-norm clip (0 = off)
 * @param minScale smallest scale-jitter factor
 * @param maxScale largest scale-jitter factor
 * @param flipProb horizontal flip probability
 * @param verticalFlipProb vertical flip probability (0 for photographs; images without an up may use 0.5)
 * @param evalEvery evaluate every this many steps (0 = only at the end)
 * @param checkpointEvery save a checkpoint every this many steps (0 = only at the end)
 * @param logEvery write a metrics line every this many steps
 * @param seed seeds parameter init, data order and augmentation
 */
public record TrainOptions(
        int steps,
        int batchSize,
        float lr,
        float weightDecay,
        int warmupSteps,
        LearningRateSchedule.Kind schedule,
        float clipNorm,
        double minScale,
        double maxScale,
        double flipProb,
        double verticalFlipProb,
        int evalEvery,
        int checkpointEvery,
        int logEvery,
        long seed) {

    /** The defaults of {@link TrainSettings#TRAIN}. */
    public static TrainOptions defaults() {
        return TrainSettings.options(TrainSettings.TRAIN.defaults());
    }

    public TrainOptions validate() {
        positive("steps", steps);
        positive("batchSize", batchSize);
        if (!(lr > 0 && lr < 1)) {
            throw bad("lr", lr, "in (0, 1)");
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw bad("weightDecay", weightDecay, "in [0, 1)");
        }
        if (warmupSteps < 0) {
            throw bad("warmupSteps", warmupSteps, ">= 0");
        }
        if (!(clipNorm >= 0)) {
            throw bad("clipNorm", clipNorm, ">= 0");
        }
        if (!(minScale > 0.1 && minScale <= maxScale && maxScale <= 4)) {
            throw bad("minScale/maxScale", minScale + "/" + maxScale, "0.1 < minScale <= maxScale <= 4");
        }
        if (!(flipProb >= 0 && flipProb <= 1)) {
            throw bad("flipProb", flipProb, "in [0, 1]");
        }
        if (!(verticalFlipProb >= 0 && verticalFlipProb <= 1)) {
            throw bad("verticalFlipProb", verticalFlipProb, "in [0, 1]");
        }
        if (evalEvery < 0 || checkpointEvery < 0) {
            throw bad("evalEvery/checkpointEvery", evalEvery + "/" + checkpointEvery, ">= 0");
        }
        positive("logEvery", logEvery);
        return this;
    }

    public LearningRateSchedule learningRateSchedule() {
        return new LearningRateSchedule(lr, warmupSteps, steps, schedule, 0.05f, 0.8f, 0.1f);
    }

    public TrainOptions withSteps(int n) {
        return new TrainOptions(
                n,
                batchSize,
                lr,
                weightDecay,
                warmupSteps,
                schedule,
                clipNorm,
                minScale,
                maxScale,
                flipProb,
                verticalFlipProb,
                evalEvery,
                checkpointEvery,
                logEvery,
                seed);
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw bad(key, v, "> 0");
        }
    }

    private static IllegalArgumentException bad(String key, Object v, String expected) {
        return new IllegalArgumentException(
                "training option " + key + "=" + v + " is out of range; expected " + expected);
    }
}
