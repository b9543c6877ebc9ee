package dev.detrdistill.app.demo;

import dev.detrdistill.distill.DistillationSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The arms of a student study: each a set of distillation terms ("none" is the baseline, "all" the reference's
 * default set), trained over the same seeds so each arm's difference to the baseline is paired seed by seed.
 */
final class StudyArms {
    /** The paper's per-term ablation (METHOD.md): LD is instance distillation with its contrastive term. */
    static final List<String> ABLATION = List.of("none", "ld+cl", "fd", "ad", "ld+cl+fd", "all");

    private StudyArms() {}

    static String name(String arm) {
        return switch (arm.toLowerCase(Locale.ROOT)) {
            case "none" -> "baseline";
            case "all" -> "distilled";
            default -> arm.toLowerCase(Locale.ROOT);
        };
    }

    static DistillationSettings settings(String arm) {
        String a = arm.toLowerCase(Locale.ROOT).strip();
        if (a.equals("none")) {
            return DistillationSettings.none();
        }
        if (a.equals("all")) {
            return DistillationSettings.all();
        }
        return DistillationSettings.ofTerms(Arrays.asList(a.split("\\+")));
    }

    /**
     * Per arm: mean +- sample std of AP over seeds and every seed's value; per non-baseline arm (when "none" is an
     * arm): the paired differences to the baseline, their mean +- std, and whether every one is positive.
     *
     * @param ap AP by student name ({@code <arm>} or {@code <arm>-s<seed>}); other entries (the teacher) ignored
     */
    static String summary(List<String> arms, int seeds, Map<String, Double> ap) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nAP over %d seed(s), mean +- std (each seed):%n", seeds));
        double[] baseline = arms.contains("none") ? values("none", seeds, ap) : null;
        for (String arm : arms) {
            double[] v = values(arm, seeds, ap);
            out.append(String.format(Locale.ROOT, "  %-14s %.3f +- %.3f  %s%n", name(arm), mean(v), std(v), list(v)));
        }
        if (baseline != null) {
            out.append(String.format(Locale.ROOT, "paired difference to the baseline (AP), seed by seed:%n"));
            for (String arm : arms) {
                if (arm.equals("none")) {
                    continue;
                }
                double[] v = values(arm, seeds, ap);
                double[] d = new double[seeds];
                boolean allPositive = true;
                for (int i = 0; i < seeds; i++) {
                    d[i] = v[i] - baseline[i];
                    allPositive &= d[i] > 0;
                }
                out.append(String.format(
                        Locale.ROOT,
                        "  %-14s %+.3f +- %.3f  %s  every seed positive: %s%n",
                        name(arm),
                        mean(d),
                        std(d),
                        list(d),
                        allPositive ? "yes" : "no"));
            }
        }
        return out.toString();
    }

    private static double[] values(String arm, int seeds, Map<String, Double> ap) {
        double[] v = new double[seeds];
        for (int s = 1; s <= seeds; s++) {
            String key = name(arm) + (seeds > 1 ? "-s" + s : "");
            Double a = ap.get(key);
            if (a == null) {
                throw new IllegalStateException("no evaluation of student " + key);
            }
            v[s - 1] = a;
        }
        return v;
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum();
        return Math.sqrt(ss / (v.length - 1));
    }

    private static String list(double[] v) {
        List<String> parts = new ArrayList<>();
        for (double x : v) {
            parts.add(String.format(Locale.ROOT, "%.3f", x));
        }
        return "[" + String.join(", ", parts) + "]";
    }
}
