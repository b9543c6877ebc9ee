package dev.detrdistill.matching;

/**
 * Jonker-Volgenant (1987) for square cost matrices: column reduction, reduction transfer and two passes
 * of augmenting row reduction assign most rows cheaply; Dijkstra-style shortest augmenting paths finish
 * the rest. On dense random costs it is several times faster than the plain Hungarian method.
 * Not thread-safe; the work arrays are reused between solves.
 */
final class JonkerVolgenant {
    private int[] colOfRow = new int[0];
    private int[] rowOfCol = new int[0];
    private int[] free = new int[0];
    private int[] matches = new int[0];
    private int[] colList = new int[0];
    private int[] pred = new int[0];
    private double[] v = new double[0];
    private double[] d = new double[0];

    /** Solves the row-major {@code n x n} matrix {@code c}; returns the column of each row. */
    int[] solve(double[] c, int n) {
        ensure(n);
        int[] x = colOfRow;
        int[] y = rowOfCol;
        java.util.Arrays.fill(matches, 0, n, 0);
        // Column reduction (reverse order gives better initial assignments).
        for (int j = n - 1; j >= 0; j--) {
            double min = c[j];
            int imin = 0;
            for (int i = 1; i < n; i++) {
                double h = c[i * n + j];
                if (h < min) {
                    min = h;
                    imin = i;
                }
            }
            v[j] = min;
            if (++matches[imin] == 1) {
                x[imin] = j;
                y[j] = imin;
            } else if (v[j] < v[x[imin]]) {
                int j1 = x[imin];
                x[imin] = j;
                y[j] = imin;
                y[j1] = -1;
            } else {
                y[j] = -1;
            }
        }
        // Reduction transfer from rows assigned once; collect free rows.
        int numFree = 0;
        for (int i = 0; i < n; i++) {
            if (matches[i] == 0) {
                free[numFree++] = i;
            } else if (matches[i] == 1) {
                int j1 = x[i];
                double min = Double.POSITIVE_INFINITY;
                int base = i * n;
                for (int j = 0; j < n; j++) {
                    if (j != j1) {
                        double h = c[base + j] - v[j];
                        if (h < min) {
                            min = h;
                        }
                    }
                }
                if (min != Double.POSITIVE_INFINITY) {
                    v[j1] -= min;
                }
            } else {
                // A row that won several columns keeps only the last; the others' columns are free.
            }
        }
        // Rows that won several columns keep one (x[i]); mark the rest of their columns unassigned consistently.
        for (int j = 0; j < n; j++) {
            if (y[j] >= 0 && x[y[j]] != j) {
                y[j] = -1;
            }
        }
        numFree = augmentingRowReduction(c, n, numFree, 2);
        for (int f = 0; f < numFree; f++) {
            augment(c, n, free[f]);
        }
        int[] out = new int[n];
        System.arraycopy(x, 0, out, 0, n);
        return out;
    }

    private int augmentingRowReduction(double[] c, int n, int numFree, int passes) {
        int[] x = colOfRow;
        int[] y = rowOfCol;
        long guardLimit = 100L * n + 1000;
        for (int pass = 0; pass < passes; pass++) {
            int k = 0;
            int prevNumFree = numFree;
            numFree = 0;
            long guard = 0;
            while (k < prevNumFree) {
                if (++guard > guardLimit) {
                    // Degenerate ties can make this heuristic cycle; leave the rest to the exact phase.
                    while (k < prevNumFree) {
                        free[numFree++] = free[k++];
                    }
                    break;
                }
                int i = free[k++];
                int base = i * n;
                double umin = c[base] - v[0];
                int j1 = 0;
                int j2 = -1;
                double usubmin = Double.POSITIVE_INFINITY;
                for (int j = 1; j < n; j++) {
                    double h = c[base + j] - v[j];
                    if (h < usubmin) {
                        if (h >= umin) {
                            usubmin = h;
                            j2 = j;
                        } else {
                            usubmin = umin;
                            umin = h;
                            j2 = j1;
                            j1 = j;
                        }
                    }
                }
                int i0 = y[j1];
                if (umin < usubmin) {
                    v[j1] -= usubmin - umin;
                } else if (i0 > -1 && j2 >= 0) {
                    j1 = j2;
                    i0 = y[j2];
                }
                x[i] = j1;
                y[j1] = i;
                if (i0 > -1) {
                    if (umin < usubmin) {
                        free[--k] = i0;
                    } else {
                        free[numFree++] = i0;
                    }
                }
            }
        }
        return numFree;
    }

    /** Shortest augmenting path from {@code freeRow} (Dijkstra on reduced costs), then price update and flip. */
    private void augment(double[] c, int n, int freeRow) {
        int[] x = colOfRow;
        int[] y = rowOfCol;
        int base = freeRow * n;
        for (int j = 0; j < n; j++) {
            d[j] = c[base + j] - v[j];
            pred[j] = freeRow;
            colList[j] = j;
        }
        int low = 0;
        int up = 0;
        int last = 0;
        int endOfPath = -1;
        double min = 0;
        boolean found = false;
        do {
            if (up == low) {
                last = low - 1;
                min = d[colList[up++]];
                for (int k = up; k < n; k++) {
                    int j = colList[k];
                    double h = d[j];
                    if (h <= min) {
                        if (h < min) {
                            up = low;
                            min = h;
                        }
                        colList[k] = colList[up];
                        colList[up++] = j;
                    }
                }
                for (int k = low; k < up; k++) {
                    if (y[colList[k]] < 0) {
                        endOfPath = colList[k];
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                int j1 = colList[low++];
                int i = y[j1];
                int ib = i * n;
                double h = c[ib + j1] - v[j1] - min;
                for (int k = up; k < n; k++) {
                    int j = colList[k];
                    double v2 = c[ib + j] - v[j] - h;
                    if (v2 < d[j]) {
                        pred[j] = i;
                        if (v2 == min) {
                            if (y[j] < 0) {
                                endOfPath = j;
                                found = true;
                                break;
                            }
                            colList[k] = colList[up];
                            colList[up++] = j;
                        }
                        d[j] = v2;
                    }
                }
            }
        } while (!found);
        for (int k = 0; k <= last; k++) {
            int j1 = colList[k];
            v[j1] += d[j1] - min;
        }
        int i;
        do {
            i = pred[endOfPath];
            y[endOfPath] = i;
            int j1 = endOfPath;
            endOfPath = x[i];
            x[i] = j1;
        } while (i != freeRow);
    }

    private void ensure(int n) {
        if (colOfRow.length < n) {
            colOfRow = new int[n];
            rowOfCol = new int[n];
            free = new int[n];
            matches = new int[n];
            colList = new int[n];
            pred = new int[n];
            v = new double[n];
            d = new double[n];
        }
    }
}
