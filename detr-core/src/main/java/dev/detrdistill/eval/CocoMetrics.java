package dev.detrdistill.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The 12 standard COCO numbers (-1 where undefined, as pycocotools prints), plus AP per class.
 *
 * @param stats AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl
 * @param perClassAp AP@[.50:.95] per class name (-1 when the class has no ground truth)
 * @param perClassAp50 AP50 per class name
 */
public record CocoMetrics(double[] stats, Map<String, Double> perClassAp, Map<String, Double> perClassAp50) {
    private static final String[] LINES = {
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
        " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
        " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
    };
    public static final List<String> KEYS =
            List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

    public double ap() {
        return stats[0];
    }

    public double ap50() {
        return stats[1];
    }

    /** The standard 12-line summary, formatted as pycocotools prints it. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            s.append(LINES[i])
                    .append(String.format(Locale.ROOT, " = %.3f", stats[i]))
                    .append('\n');
        }
        return s.toString();
    }

    /** Per-class AP lines. */
    public String perClassSummary() {
        StringBuilder s = new StringBuilder();
        perClassAp.forEach((k, v) ->
                s.append(String.format(Locale.ROOT, "  %-16s AP=%.3f AP50=%.3f%n", k, v, perClassAp50.get(k))));
        return s.toString();
    }

    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            m.put(KEYS.get(i), stats[i]);
        }
        return m;
    }
}
