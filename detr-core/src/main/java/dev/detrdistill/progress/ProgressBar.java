package dev.detrdistill.progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with rate and ETA. On a terminal it redraws in place; otherwise (CI logs) it
 * prints a line at most every {@code minIntervalMs}.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final long minIntervalMs;
    private long lastPrint;

    public ProgressBar(PrintStream out, String label, long total) {
        this(out, label, total, System.console() != null, 10_000);
    }

    public ProgressBar(PrintStream out, String label, long total, boolean terminal, long minIntervalMs) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
        this.minIntervalMs = minIntervalMs;
    }

    /** @param done units finished since this bar started counting from {@code offset} */
    public void update(long done, long offset, String status) {
        long now = System.currentTimeMillis();
        boolean last = done >= total;
        if (!last && now - lastPrint < (terminal ? 200 : minIntervalMs)) {
            return;
        }
        lastPrint = now;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long since = Math.max(1, done - offset);
        double rate = since / Math.max(elapsed, 1e-9);
        double eta = (total - done) / Math.max(rate, 1e-9);
        int width = 24;
        int filled = (int) (width * done / Math.max(1, total));
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String line = String.format(
                Locale.ROOT, "%s [%s] %d/%d %.2f/s ETA %s %s", label, bar, done, total, rate, duration(eta), status);
        if (terminal) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
