package dev.detrdistill.matching;

import java.util.Arrays;

/**
 * A minimum-cost assignment: {@code rows[k]} is matched to {@code cols[k]}, ordered by row.
 * Its size is {@code min(rows, cols)} of the cost matrix it solves.
 */
public record Assignment(int[] rows, int[] cols, double totalCost) {
    public int size() {
        return rows.length;
    }

    @Override
    public String toString() {
        return "Assignment" + Arrays.toString(rows) + "->" + Arrays.toString(cols) + " cost=" + totalCost;
    }
}
