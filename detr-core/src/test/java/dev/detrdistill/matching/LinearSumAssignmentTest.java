package dev.detrdistill.matching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LinearSumAssignmentTest {

    /** Minimum over all injective maps of the smaller side into the larger. */
    private static double bruteForce(double[][] c) {
        int r = c.length;
        int k = c[0].length;
        if (r <= k) {
            return bruteRows(c, 0, new boolean[k]);
        }
        double[][] t = new double[k][r];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < k; j++) {
                t[j][i] = c[i][j];
            }
        }
        return bruteRows(t, 0, new boolean[r]);
    }

    private static double bruteRows(double[][] c, int row, boolean[] used) {
        if (row == c.length) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < used.length; j++) {
            if (!used[j]) {
                used[j] = true;
                best = Math.min(best, c[row][j] + bruteRows(c, row + 1, used));
                used[j] = false;
            }
        }
        return best;
    }

    private static void assertValid(Assignment a, int rows, int cols) {
        assertEquals(Math.min(rows, cols), a.size());
        Set<Integer> r = new HashSet<>();
        Set<Integer> c = new HashSet<>();
        for (int k = 0; k < a.size(); k++) {
            assertTrue(r.add(a.rows()[k]), "row used twice");
            assertTrue(c.add(a.cols()[k]), "col used twice");
            if (k > 0) {
                assertTrue(a.rows()[k] > a.rows()[k - 1], "rows sorted");
            }
        }
    }

    @Test
    void matchesBruteForceOnManyRandomRectangularMatrices() {
        Random rnd = new Random(7);
        LinearSumAssignment matcher = new LinearSumAssignment();
        for (int trial = 0; trial < 600; trial++) {
            int rows = 1 + rnd.nextInt(6);
            int cols = 1 + rnd.nextInt(6);
            double[][] c = new double[rows][cols];
            boolean ties = trial % 3 == 0;
            for (double[] row : c) {
                for (int j = 0; j < cols; j++) {
                    row[j] = ties ? rnd.nextInt(3) : rnd.nextGaussian() * 10;
                }
            }
            Assignment a = matcher.solve(c);
            assertValid(a, rows, cols);
            double sum = 0;
            for (int k = 0; k < a.size(); k++) {
                sum += c[a.rows()[k]][a.cols()[k]];
            }
            assertEquals(sum, a.totalCost(), 1e-9);
            assertEquals(bruteForce(c), a.totalCost(), 1e-9, "trial " + trial + " " + rows + "x" + cols);
        }
    }

    @Test
    void squareSolverAgreesWithRectangularSolverOnLargerTiedMatrices() {
        // Square problems take the Jonker-Volgenant path; adding one prohibitively expensive column sends
        // the same problem through the Hungarian path. Both must find the same optimum, ties included.
        Random rnd = new Random(11);
        LinearSumAssignment matcher = new LinearSumAssignment();
        for (int trial = 0; trial < 300; trial++) {
            int n = 7 + rnd.nextInt(60);
            boolean ties = trial % 2 == 0;
            double[] square = new double[n * n];
            double[] wide = new double[n * (n + 1)];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double c = ties ? rnd.nextInt(4) : rnd.nextDouble();
                    square[i * n + j] = c;
                    wide[i * (n + 1) + j] = c;
                }
                wide[i * (n + 1) + n] = 1e6;
            }
            Assignment a = matcher.solve(square, n, n);
            assertValid(a, n, n);
            assertEquals(matcher.solve(wide, n, n + 1).totalCost(), a.totalCost(), 1e-9, "trial " + trial + " n=" + n);
        }
    }

    @Test
    void assignsEveryColumnWhenRowsOutnumberColumns() {
        double[][] c = {{5, 9}, {1, 7}, {3, 2}, {8, 8}};
        Assignment a = new LinearSumAssignment().solve(c);
        assertArrayEquals(new int[] {1, 2}, a.rows());
        assertArrayEquals(new int[] {0, 1}, a.cols());
        assertEquals(3, a.totalCost(), 1e-12);
    }

    @Test
    void allEqualCostsStillGiveAPermutation() {
        double[][] c = new double[5][5];
        Assignment a = new LinearSumAssignment().solve(c);
        assertValid(a, 5, 5);
        assertEquals(0, a.totalCost());
    }

    @Test
    void rejectsNaNAndInfinityNamingTheEntry() {
        double[][] c = {{1, 2}, {3, Double.NaN}};
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new LinearSumAssignment().solve(c));
        assertTrue(e.getMessage().contains("row 1, col 1"), e.getMessage());
        double[][] d = {{Double.NEGATIVE_INFINITY, 2}};
        assertThrows(IllegalArgumentException.class, () -> new LinearSumAssignment().solve(d));
    }

    @Test
    void emptyMatrixGivesEmptyAssignment() {
        assertEquals(0, new LinearSumAssignment().solve(new double[0], 0, 5).size());
        assertEquals(0, new LinearSumAssignment().solve(new double[0], 3, 0).size());
    }

    @Test
    void largeRandomProblemBeatsGreedyAndIsAPermutation() {
        Random rnd = new Random(1);
        int n = 120;
        double[] c = new double[n * n];
        for (int i = 0; i < c.length; i++) {
            c[i] = rnd.nextDouble();
        }
        Assignment a = new LinearSumAssignment().solve(c, n, n);
        assertValid(a, n, n);
        // The optimum of uniform random n x n costs is about zeta(2) = 1.64, far below the identity's n/2.
        assertTrue(a.totalCost() < 2.5, "cost " + a.totalCost());
    }
}
