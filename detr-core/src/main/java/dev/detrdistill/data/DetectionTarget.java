package dev.detrdistill.data;

import java.util.Arrays;

/**
 * Ground truth of one image view: {@code boxes} holds M normalised cxcywh boxes row-major ({@code 4*M}
 * floats), {@code labels} their class indices in [0, C).
 */
public record DetectionTarget(float[] boxes, int[] labels) {
    public DetectionTarget {
        if (boxes.length != 4 * labels.length) {
            throw new IllegalArgumentException(
                    "target has " + boxes.length + " box floats for " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }

    public static DetectionTarget empty() {
        return new DetectionTarget(new float[0], new int[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectionTarget t && Arrays.equals(boxes, t.boxes) && Arrays.equals(labels, t.labels);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(boxes) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "DetectionTarget[" + labels.length + " boxes]";
    }
}
