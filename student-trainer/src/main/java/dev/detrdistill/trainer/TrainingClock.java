package dev.detrdistill.trainer;

/**
 * Where a student's time goes: rendering views from records (image decode, resize, normalise) versus
 * the optimizer step itself (teacher tensors decoded, forward, losses, backward, update).
 */
public final class TrainingClock {
    private long renderNanos;
    private long stepNanos;

    void add(long render, long step) {
        renderNanos += render;
        stepNanos += step;
    }

    void restore(long render, long step) {
        renderNanos = render;
        stepNanos = step;
    }

    public long renderNanos() {
        return renderNanos;
    }

    public long stepNanos() {
        return stepNanos;
    }

    /** Rendering time as a share of step time. */
    public double renderShare() {
        return stepNanos == 0 ? 0 : renderNanos / (double) stepNanos;
    }
}
