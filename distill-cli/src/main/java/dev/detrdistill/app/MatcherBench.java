package dev.detrdistill.app;

import dev.detrdistill.matching.LinearSumAssignment;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "matcher",
        mixinStandardHelpOptions = true,
        description = "Median time per Hungarian solve on random uniform costs (100x100 and 300x300).")
final class MatcherBench implements Callable<Integer> {
    @Option(names = "--repeats", defaultValue = "200", description = "Timed solves per size. Default: ${DEFAULT-VALUE}")
    int repeats;

    @Override
    public Integer call() {
        System.out.println(dev.detrdistill.progress.MachineFacts.current().describe());
        LinearSumAssignment matcher = new LinearSumAssignment();
        Random rnd = new Random(0);
        double m300 = 0;
        for (int n : new int[] {100, 300}) {
            double[][] costs = new double[repeats + 50][n * n];
            for (double[] c : costs) {
                for (int i = 0; i < c.length; i++) {
                    c[i] = rnd.nextDouble();
                }
            }
            for (int w = 0; w < 50; w++) { // JIT warm-up
                matcher.solve(costs[w], n, n);
            }
            double[] ms = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                matcher.solve(costs[50 + r], n, n);
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            double median = ms[repeats / 2];
            System.out.printf(
                    Locale.ROOT,
                    "matcher %dx%d median_ms=%.3f p90_ms=%.3f (%d solves)%n",
                    n,
                    n,
                    median,
                    ms[repeats * 9 / 10],
                    repeats);
            if (n == 300) {
                m300 = median;
            }
        }
        System.out.printf(Locale.ROOT, "matcher 300x300 median_ms=%.3f%n", m300);
        return 0;
    }
}
