package dev.detrdistill.distill;

import java.util.Arrays;
import java.util.List;

/**
 * Which teacher stage each student stage learns from.
 * <ul>
 *   <li>{@link Rule#PROPORTIONAL} (default): student stage k (1-based) pairs with teacher stage
 *       {@code round(k * K_T / K_S)}, so a 2-stage student learns from stages 2 and 4 of a 4-stage teacher
 *       (the final stages line up), and a 6-stage student from 1,1,2,3,3,4.</li>
 *   <li>{@link Rule#REFERENCE}: the reference code's pairing, student stage k with teacher stage k; only
 *       for students no deeper than the teacher (the reference crashes otherwise; this refuses).</li>
 *   <li>an explicit list of teacher stages.</li>
 * </ul>
 */
public record StageMapping(int[] teacherStageOf) {
    /** How to pair stages when no explicit list is given. */
    public enum Rule {
        PROPORTIONAL,
        REFERENCE
    }

    public static StageMapping of(Rule rule, int studentStages, int teacherStages) {
        return rule == Rule.REFERENCE
                ? reference(studentStages, teacherStages)
                : proportional(studentStages, teacherStages);
    }

    /** Student stage k with teacher stage k, as the reference code does. */
    public static StageMapping reference(int studentStages, int teacherStages) {
        if (studentStages > teacherStages) {
            throw new IllegalArgumentException(
                    "stage mapping REFERENCE pairs student stage k with teacher stage k, but the student has "
                            + studentStages + " stages and the teacher only " + teacherStages
                            + "; use PROPORTIONAL or an explicit list");
        }
        int[] map = new int[studentStages];
        for (int k = 0; k < studentStages; k++) {
            map[k] = k;
        }
        return new StageMapping(map);
    }

    public static StageMapping proportional(int studentStages, int teacherStages) {
        int[] map = new int[studentStages];
        for (int k = 1; k <= studentStages; k++) {
            int t = (int) Math.round(k * (double) teacherStages / studentStages);
            map[k - 1] = Math.max(1, Math.min(teacherStages, t)) - 1;
        }
        return new StageMapping(map);
    }

    /** An explicit mapping, 1-based teacher stages per student stage, validated against both depths. */
    public static StageMapping explicit(List<Integer> oneBased, int studentStages, int teacherStages) {
        if (oneBased.size() != studentStages) {
            throw new IllegalArgumentException("stage mapping " + oneBased + " has " + oneBased.size()
                    + " entries; the student has " + studentStages + " stages");
        }
        int[] map = new int[studentStages];
        for (int k = 0; k < studentStages; k++) {
            int t = oneBased.get(k);
            if (t < 1 || t > teacherStages) {
                throw new IllegalArgumentException("stage mapping entry " + (k + 1) + " = " + t
                        + " is out of range; the teacher has stages 1.." + teacherStages);
            }
            map[k] = t - 1;
        }
        return new StageMapping(map);
    }

    /** Zero-based teacher stage for zero-based student stage {@code k}. */
    public int teacherStage(int k) {
        return teacherStageOf[k];
    }

    public int studentStages() {
        return teacherStageOf.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StageMapping m && Arrays.equals(teacherStageOf, m.teacherStageOf);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(teacherStageOf);
    }

    @Override
    public String toString() {
        return "StageMapping"
                + Arrays.toString(Arrays.stream(teacherStageOf).map(t -> t + 1).toArray());
    }
}
