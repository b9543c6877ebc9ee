package dev.detrdistill.app.bench;

import java.lang.management.ManagementFactory;

/**
 * Wall and CPU seconds of a piece of work. CPU is this process's (all threads: libtorch, Flink, the
 * in-process broker); the registry runs in a child JVM and is not counted (it idles after registration).
 */
record Cost(double wallSeconds, double cpuSeconds) {
    static final Cost ZERO = new Cost(0, 0);

    Cost plus(Cost o) {
        return new Cost(wallSeconds + o.wallSeconds, cpuSeconds + o.cpuSeconds);
    }

    /** Starts measuring; {@link Meter#stop()} gives the cost since. */
    static Meter start() {
        return new Meter(System.nanoTime(), processCpuNanos());
    }

    record Meter(long wallStart, long cpuStart) {
        Cost stop() {
            return new Cost((System.nanoTime() - wallStart) / 1e9, (processCpuNanos() - cpuStart) / 1e9);
        }
    }

    static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }
}
