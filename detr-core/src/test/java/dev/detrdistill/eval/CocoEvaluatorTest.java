package dev.detrdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.detrdistill.box.Box;
import dev.detrdistill.data.Annotation;
import dev.detrdistill.data.ImageEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CocoEvaluatorTest {
    private static ImageEntry image(String id, Annotation... anns) {
        return new ImageEntry(id, Path.of(id + ".png"), 200, 200, List.of(anns));
    }

    @Test
    void perfectDetectionsScoreOne() {
        List<ImageEntry> imgs = List.of(
                image("1", new Annotation(new Box(10, 10, 60, 60), 0)),
                image("2", new Annotation(new Box(0, 0, 150, 150), 1)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a", "b"))
                .evaluate(List.of(
                        new Detection("1", 0, new Box(10, 10, 60, 60), 0.9),
                        new Detection("2", 1, new Box(0, 0, 150, 150), 0.8)));
        assertEquals(1.0, m.stats()[0], 1e-12);
        assertEquals(1.0, m.stats()[1], 1e-12);
        assertEquals(-1.0, m.stats()[3], 1e-12); // no small objects: undefined, as pycocotools prints
        assertEquals(1.0, m.stats()[4], 1e-12); // medium: 50x50 = 2500
        assertEquals(1.0, m.stats()[5], 1e-12); // large
        assertEquals(1.0, m.stats()[8], 1e-12);
    }

    @Test
    void higherScoredFalsePositiveHalvesPrecisionAtFullRecall() {
        // One GT; a false positive scored above the true positive: precision at recall 1 is 1/2, so
        // every one of the 101 recall points interpolates to 0.5.
        List<ImageEntry> imgs = List.of(image("1", new Annotation(new Box(10, 10, 60, 60), 0)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a"))
                .evaluate(List.of(
                        new Detection("1", 0, new Box(100, 100, 150, 150), 0.9),
                        new Detection("1", 0, new Box(10, 10, 60, 60), 0.5)));
        assertEquals(0.5, m.stats()[0], 1e-12);
        assertEquals(0.5, m.stats()[1], 1e-12);
        assertEquals(0.0, m.stats()[6], 1e-12); // AR@1: only the false positive is kept
        assertEquals(1.0, m.stats()[7], 1e-12);
    }

    @Test
    void iouBetweenThresholdsCountsOnlyAtLowerThresholds() {
        // Detection 10x10 shifted by 2px inside a 10x10 box: IoU = 80/120 = 0.667 -> TP at .50,.55,.60,.65 only.
        List<ImageEntry> imgs = List.of(image("1", new Annotation(new Box(0, 0, 10, 10), 0)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a"))
                .evaluate(List.of(new Detection("1", 0, new Box(2, 0, 12, 10), 0.7)));
        assertEquals(0.4, m.stats()[0], 1e-12);
        assertEquals(1.0, m.stats()[1], 1e-12);
        assertEquals(0.0, m.stats()[2], 1e-12);
        assertEquals(0.4, m.stats()[3], 1e-12); // small area (100 px^2)
    }

    @Test
    void halfRecallGivesInterpolatedPrecisionOverHalfTheRecallPoints() {
        // Two GT, one found: precision 1 for recall points 0..0.5 (51 of 101), 0 after.
        List<ImageEntry> imgs = List.of(
                image("1", new Annotation(new Box(0, 0, 50, 50), 0), new Annotation(new Box(100, 100, 150, 150), 0)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a"))
                .evaluate(List.of(new Detection("1", 0, new Box(0, 0, 50, 50), 0.9)));
        assertEquals(51.0 / 101, m.stats()[1], 1e-12);
        assertEquals(0.5, m.stats()[8], 1e-12);
    }

    @Test
    void crowdGroundTruthIsIgnoredNotCountedAsMiss() {
        List<ImageEntry> imgs = List.of(image(
                "1", new Annotation(new Box(0, 0, 50, 50), 0), new Annotation(new Box(100, 100, 190, 190), 0, true)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a"))
                .evaluate(List.of(
                        new Detection("1", 0, new Box(0, 0, 50, 50), 0.9),
                        new Detection("1", 0, new Box(110, 110, 150, 150), 0.95))); // inside the crowd region: ignored
        assertEquals(1.0, m.stats()[0], 1e-12);
    }

    @Test
    void classesAreEvaluatedSeparatelyAndAveraged() {
        List<ImageEntry> imgs = List.of(
                image("1", new Annotation(new Box(0, 0, 50, 50), 0), new Annotation(new Box(100, 100, 150, 150), 1)));
        CocoMetrics m = new CocoEvaluator(imgs, List.of("a", "b"))
                .evaluate(List.of(
                        new Detection("1", 0, new Box(0, 0, 50, 50), 0.9),
                        new Detection("1", 0, new Box(100, 100, 150, 150), 0.8))); // right box, wrong class
        assertEquals(1.0, m.perClassAp().get("a"), 1e-12);
        assertEquals(0.0, m.perClassAp().get("b"), 1e-12);
        assertEquals(0.5, m.stats()[0], 1e-12);
    }
}
