package dev.detrdistill.train;

/**
 * Linear warm-up to the base rate, then cosine decay to {@code minFactor * base}, or step decay by
 * {@code stepGamma} at {@code stepAt} (a fraction of total steps).
 */
public record LearningRateSchedule(
        float baseLr, int warmupSteps, int totalSteps, Kind kind, float minFactor, float stepAt, float stepGamma) {
    public enum Kind {
        COSINE,
        STEP
    }

    public static LearningRateSchedule cosine(float baseLr, int warmupSteps, int totalSteps) {
        return new LearningRateSchedule(baseLr, warmupSteps, totalSteps, Kind.COSINE, 0.05f, 0.8f, 0.1f);
    }

    /** Learning rate at zero-based step {@code step}. */
    public float at(int step) {
        if (step < warmupSteps) {
            return baseLr * (step + 1) / warmupSteps;
        }
        if (kind == Kind.STEP) {
            return step >= stepAt * totalSteps ? baseLr * stepGamma : baseLr;
        }
        double progress = Math.min(1.0, (step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
        double cos = 0.5 * (1 + Math.cos(Math.PI * progress));
        return (float) (baseLr * (minFactor + (1 - minFactor) * cos));
    }
}
