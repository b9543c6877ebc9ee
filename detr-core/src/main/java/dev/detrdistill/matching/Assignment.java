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

    /** For each row of a {@code numRows}-row problem, its column or -1 when unassigned. */
    public int[] columnOfRow(int numRows) {
        int[] out = new int[numRows];
        Arrays.fill(out, -1);
        for (int k = 0; k < rows.length; k++) {
            out[rows[k]] = cols[k];
        }
        return out;
    }

    @Override
    public String toString() {
        return "Assignment" + Arrays.toString(rows) + "->" + Arrays.toString(cols) + " cost=" + totalCost;
    }
}
