package dev.detrdistill.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy non-maximum suppression within each (image, class): a detection is dropped when a higher-scoring one of
 * the same class on the same image overlaps it at IoU &gt;= the threshold. DETR needs none in principle (one-to-one
 * matching teaches its queries not to repeat each other), but a detector trained briefly still puts two queries on
 * some objects, and each duplicate is a false positive ranked among the true ones. Opt-in at inference only: the
 * teacher's records and the losses always see every query.
 */
public final class ClassWiseNms {
    private final double iouThreshold;

    /** @param iouThreshold in (0, 1]: 1 drops only exact copies, lower values drop looser overlaps */
    public ClassWiseNms(double iouThreshold) {
        if (!(iouThreshold > 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("NMS IoU threshold " + iouThreshold + " is outside (0, 1]");
        }
        this.iouThreshold = iouThreshold;
    }

    /** The kept detections, each (image, class) group highest score first; groups in order of first appearance. */
    public List<Detection> apply(List<Detection> detections) {
        Map<String, List<Detection>> groups = new LinkedHashMap<>();
        for (Detection d : detections) {
            groups.computeIfAbsent(d.imageId() + '\u0000' + d.classIndex(), k -> new ArrayList<>())
                    .add(d);
        }
        List<Detection> kept = new ArrayList<>(detections.size());
        for (List<Detection> group : groups.values()) {
            group.sort(Comparator.comparingDouble(Detection::score).reversed());
            List<Detection> keptHere = new ArrayList<>();
            for (Detection d : group) {
                if (keptHere.stream().allMatch(k -> k.box().iou(d.box()) < iouThreshold)) {
                    keptHere.add(d);
                }
            }
            kept.addAll(keptHere);
        }
        return kept;
    }
}
