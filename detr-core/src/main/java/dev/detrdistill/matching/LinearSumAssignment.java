package dev.detrdistill.matching;

import java.util.Arrays;

/**
 * Exact minimum-cost bipartite assignment: Jonker-Volgenant for square matrices, the Hungarian method
 * with potentials and shortest augmenting paths (O(n^2 m) for n &le; m) for rectangular ones. Rectangular matrices
 * assign every row when rows &le; cols, else every
 * column. This is DETR's {@code linear_sum_assignment}.
 *
 * <p>Instances keep their work arrays, so one solver per thread solves many problems without
 * allocating; it is not thread-safe.
 */
public final class LinearSumAssignment {
    private double[] u = new double[0];
    private double[] v = new double[0];
    private double[] minv = new double[0];
    private int[] p = new int[0];
    private int[] way = new int[0];
    private int[] free = new int[0];
    private int[] tree = new int[0];
    private double[] flat = new double[0];
    private final JonkerVolgenant jv = new JonkerVolgenant();

    /** Solves a cost matrix given as rows. */
    public Assignment solve(double[][] cost) {
        int rows = cost.length;
        int cols = rows == 0 ? 0 : cost[0].length;
        double[] c = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            if (cost[i].length != cols) {
                throw new IllegalArgumentException(
                        "cost matrix row " + i + " has " + cost[i].length + " columns, expected " + cols);
            }
            System.arraycopy(cost[i], 0, c, i * cols, cols);
        }
        return solve(c, rows, cols);
    }

    /**
     * Solves a row-major {@code rows x cols} cost matrix (not modified).
     *
     * @throws IllegalArgumentException when a cost is NaN or infinite (naming its row and column)
     */
    public Assignment solve(double[] cost, int rows, int cols) {
        if (cost.length != (long) rows * cols) {
            throw new IllegalArgumentException("cost has " + cost.length + " entries, expected " + rows + "x" + cols);
        }
        for (int k = 0; k < cost.length; k++) {
            if (!Double.isFinite(cost[k])) {
                throw new IllegalArgumentException("cost matrix entry (row " + (k / cols) + ", col " + (k % cols)
                        + ") is " + cost[k] + "; costs must be finite");
            }
        }
        if (rows == 0 || cols == 0) {
            return new Assignment(new int[0], new int[0], 0);
        }
        boolean transposed = rows > cols;
        int n = transposed ? cols : rows;
        int m = transposed ? rows : cols;
        double[] a = cost;
        if (transposed) {
            a = ensureFlat(n * m);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    a[j * rows + i] = cost[i * cols + j];
                }
            }
        }
        int[] colOfRow = n == m ? jv.solve(a, n) : solveWide(a, n, m);
        int[] outRows = new int[n];
        int[] outCols = new int[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            int r = transposed ? colOfRow[i] : i;
            int c = transposed ? i : colOfRow[i];
            outRows[i] = r;
            outCols[i] = c;
            total += cost[r * cols + c];
        }
        if (transposed) {
            sortByRow(outRows, outCols);
        }
        return new Assignment(outRows, outCols, total);
    }

    /**
     * Core algorithm for n &le; m (1-based potentials, column 0 is the virtual root); returns the column of each row.
     */
    private int[] solveWide(double[] a, int n, int m) {
        ensureWork(n, m);
        Arrays.fill(u, 0, n + 1, 0);
        Arrays.fill(v, 0, m + 1, 0);
        Arrays.fill(p, 0, m + 1, 0);
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            // Columns not yet in the shortest-path tree, kept compact so each sweep touches only them;
            // tree columns are listed so the potential update touches only them.
            int freeCount = m;
            for (int j = 1; j <= m; j++) {
                free[j - 1] = j;
                minv[j] = Double.POSITIVE_INFINITY;
            }
            int treeSize = 0;
            tree[treeSize++] = 0;
            do {
                int i0 = p[j0];
                int rowBase = (i0 - 1) * m - 1;
                double ui0 = u[i0];
                double delta = Double.POSITIVE_INFINITY;
                int j1pos = -1;
                for (int k = 0; k < freeCount; k++) {
                    int j = free[k];
                    double cur = a[rowBase + j] - ui0 - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1pos = k;
                    }
                }
                int j1 = free[j1pos];
                for (int t = 0; t < treeSize; t++) {
                    int j = tree[t];
                    u[p[j]] += delta;
                    v[j] -= delta;
                }
                free[j1pos] = free[--freeCount];
                for (int k = 0; k < freeCount; k++) {
                    minv[free[k]] -= delta;
                }
                tree[treeSize++] = j1;
                j0 = j1;
            } while (p[j0] != 0);
            // Augment along the alternating path back to the root.
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] colOfRow = new int[n];
        for (int j = 1; j <= m; j++) {
            if (p[j] != 0) {
                colOfRow[p[j] - 1] = j - 1;
            }
        }
        return colOfRow;
    }

    private void ensureWork(int n, int m) {
        if (u.length < n + 1) {
            u = new double[n + 1];
        }
        if (v.length < m + 1) {
            v = new double[m + 1];
            minv = new double[m + 1];
            p = new int[m + 1];
            way = new int[m + 1];
            free = new int[m + 1];
            tree = new int[m + 2];
        }
    }

    private double[] ensureFlat(int size) {
        if (flat.length < size) {
            flat = new double[size];
        }
        return flat;
    }

    private static void sortByRow(int[] rows, int[] cols) {
        int n = rows.length;
        long[] packed = new long[n];
        for (int k = 0; k < n; k++) {
            packed[k] = ((long) rows[k] << 32) | (cols[k] & 0xffffffffL);
        }
        Arrays.sort(packed);
        for (int k = 0; k < n; k++) {
            rows[k] = (int) (packed[k] >>> 32);
            cols[k] = (int) packed[k];
        }
    }
}
