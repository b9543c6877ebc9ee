package dev.detrdistill.trainer.flink;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fails the job once, on purpose, at the first record after a student reached {@code atStep} and a
 * checkpoint holding training progress completed: a rehearsal of recovery ({@code --drill-fail-at-step}),
 * and how the restore test interrupts a run. Once per drill id per JVM, so the restarted job goes on.
 * What happened is kept per id: the step it failed at, and the step students were restored at.
 */
public record FailureDrill(String id, int atStep) implements Serializable {
    public static final FailureDrill OFF = new FailureDrill("off", 0);
    private static final Map<String, Integer> FIRED_AT = new ConcurrentHashMap<>();
    private static final Map<String, Integer> RESTORED_AT = new ConcurrentHashMap<>();

    public boolean enabled() {
        return atStep > 0;
    }

    void maybeFail(int step, boolean checkpointWithProgress) {
        if (enabled() && step >= atStep && checkpointWithProgress && FIRED_AT.putIfAbsent(id, step) == null) {
            throw new DrillFailure("failure drill " + id + ": failing once at step " + step
                    + " (after a completed checkpoint) to rehearse recovery");
        }
    }

    void restored(int step) {
        if (enabled()) {
            RESTORED_AT.merge(id, step, Math::min);
        }
    }

    /** The step the drill failed at, or -1 when it has not fired (in this JVM). */
    public int firedAt() {
        return FIRED_AT.getOrDefault(id, -1);
    }

    /** The earliest step a student was restored at after the failure, or -1. */
    public int restoredAt() {
        return RESTORED_AT.getOrDefault(id, -1);
    }

    /** The injected failure. */
    public static final class DrillFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DrillFailure(String message) {
            super(message);
        }
    }
}
