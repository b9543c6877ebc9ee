package dev.detrdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.box.Box;
import dev.detrdistill.data.Annotation;
import dev.detrdistill.data.ImageEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassWiseNmsTest {
    private static final Box CELL = new Box(10, 10, 60, 60);
    /** CELL moved 3 px right: IoU 47*50 / (2*2500 - 47*50) = 0.887 with CELL. */
    private static final Box CELL_AGAIN = new Box(13, 10, 63, 60);

    @Test
    void dropsALowerScoredDuplicateOfTheSameClassOnTheSameImage() {
        Detection best = new Detection("1", 0, CELL, 0.9);
        Detection duplicate = new Detection("1", 0, CELL_AGAIN, 0.8);
        assertEquals(List.of(best), new ClassWiseNms(0.7).apply(List.of(duplicate, best)));
    }

    @Test
    void keepsOverlapsOfAnotherClassAnotherImageOrBelowTheThreshold() {
        List<Detection> dets = List.of(
                new Detection("1", 0, CELL, 0.9),
                new Detection("1", 1, CELL_AGAIN, 0.8),
                new Detection("2", 0, CELL_AGAIN, 0.8));
        assertEquals(dets, new ClassWiseNms(0.7).apply(dets));
        List<Detection> loose = List.of(new Detection("1", 0, CELL, 0.9), new Detection("1", 0, CELL_AGAIN, 0.8));
        assertEquals(loose, new ClassWiseNms(0.9).apply(loose));
    }

    @Test
    void aDuplicateRankedAboveATruePositiveCostsAp50AndNmsWinsItBack() {
        List<ImageEntry> images = List.of(new ImageEntry(
                "1",
                Path.of("1.png"),
                200,
                200,
                List.of(new Annotation(CELL, 0), new Annotation(new Box(100, 100, 150, 150), 0))));
        List<Detection> dets = List.of(
                new Detection("1", 0, CELL, 0.9),
                new Detection("1", 0, CELL_AGAIN, 0.8),
                new Detection("1", 0, new Box(100, 100, 150, 150), 0.7));
        CocoEvaluator coco = new CocoEvaluator(images, List.of("cell"));
        // Ranked TP, FP, TP: precision 1 up to recall 0.5, then 2/3 at recall 1 (101-point interpolation).
        assertEquals((51 + 50 * 2.0 / 3) / 101, coco.evaluate(dets).stats()[1], 1e-12);
        assertEquals(1.0, coco.evaluate(new ClassWiseNms(0.7).apply(dets)).stats()[1], 1e-12);
    }

    @Test
    void refusesAThresholdOutsideZeroToOne() {
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClassWiseNms(bad));
            assertTrue(e.getMessage().contains("outside (0, 1]"), e.getMessage());
        }
    }
}
