package dev.detrdistill.train;

import ai.djl.engine.Engine;
import java.util.function.Supplier;

/**
 * Seeds the engine and initialises under one JVM-wide lock. The engine's random generator is global: two students
 * initialised at once in two threads (two Flink subtasks in one TaskManager) would interleave its draws and start
 * from weights that depend on timing.
 */
public final class SeededInitialisation {
    private static final Object LOCK = new Object();

    private SeededInitialisation() {}

    /** Seeds the engine with {@code seed} and runs {@code init} before any other thread can draw. */
    public static <T> T seeded(long seed, Supplier<T> init) {
        synchronized (LOCK) {
            Engine.getInstance().setRandomSeed((int) seed);
            return init.get();
        }
    }
}
